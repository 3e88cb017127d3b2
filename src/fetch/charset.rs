//! Charset decoding: BOM, then the HTTP header, then the document's own declaration, then detection.
//!
//! A declared charset that does not fit the bytes (many decoding errors) is overruled by
//! chardetng's guess when the guess decodes cleanly, so a wrong header cannot turn a GBK page into
//! replacement characters.

use encoding_rs::{Encoding, UTF_8};

/// Where the encoding came from, for logs and `sources test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Bom,
    Header,
    Document,
    Detected,
}

/// Decoded text and how it was decoded.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
    pub origin: Origin,
}

/// Decodes `body` given the `Content-Type` header value, if any.
pub fn decode(body: &[u8], content_type: Option<&str>) -> Decoded {
    if let Some((enc, bom_len)) = Encoding::for_bom(body) {
        let (text, _) = enc.decode_without_bom_handling(&body[bom_len..]);
        return Decoded { text: text.into_owned(), encoding: enc, origin: Origin::Bom };
    }
    let declared = content_type
        .and_then(header_charset)
        .map(|e| (e, Origin::Header))
        .or_else(|| document_charset(body).map(|e| (e, Origin::Document)));
    if let Some((enc, origin)) = declared {
        let (text, _, had_errors) = enc.decode(body);
        if !had_errors {
            return Decoded { text: text.into_owned(), encoding: enc, origin };
        }
        let guess = detect(body);
        if guess != enc {
            let (alt, _, alt_errors) = guess.decode(body);
            if !alt_errors {
                tracing::debug!(
                    declared = enc.name(),
                    detected = guess.name(),
                    "declared charset does not fit the bytes; using the detected one"
                );
                return Decoded { text: alt.into_owned(), encoding: guess, origin: Origin::Detected };
            }
        }
        return Decoded { text: text.into_owned(), encoding: enc, origin };
    }
    let enc = detect(body);
    let (text, _, _) = enc.decode(body);
    Decoded { text: text.into_owned(), encoding: enc, origin: Origin::Detected }
}

fn detect(body: &[u8]) -> &'static Encoding {
    if std::str::from_utf8(body).is_ok() {
        return UTF_8;
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(body, true);
    det.guess(None, chardetng::Utf8Detection::Allow)
}

/// The `charset=` parameter of a Content-Type value.
fn header_charset(ct: &str) -> Option<&'static Encoding> {
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| Encoding::for_label(v.trim().trim_matches(['"', '\'']).as_bytes()))?
    })
}

/// The charset a document declares about itself in its first 1024 bytes: the XML declaration's
/// `encoding="…"`, or an HTML `<meta charset>` / `<meta http-equiv content="…charset=…">`.
fn document_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(1024)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    if head.trim_start().starts_with("<?xml") {
        let decl = &head[..head.find("?>")?];
        return attr_value(decl, "encoding").and_then(|v| Encoding::for_label(v.as_bytes()));
    }
    let i = head.find("charset=")?;
    let rest = head[i + 8..].trim_start_matches(['"', '\'']);
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(rest.len());
    Encoding::for_label(&rest.as_bytes()[..end])
}

fn attr_value<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let i = tag.find(&format!("{name}="))? + name.len() + 1;
    let rest = &tag[i..];
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    Some(&rest[..rest.find(quote)?])
}

/// Rewrites an XML declaration to say UTF-8, so a parser reading the decoded text does not try to
/// decode it a second time.
pub fn xml_as_utf8(text: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if let Some(rest) = trimmed.strip_prefix("<?xml")
        && let Some(end) = rest.find("?>")
    {
        return format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}", &rest[end + 2..]).into();
    }
    text.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_by_declaration_or_detection() {
        let zh = "学校发布通知：明天停课。关于北京大学的新闻报道，以及更多中文内容用于检测编码。";
        let (gbk, _, _) = encoding_rs::GBK.encode(zh);
        let (big5, _, _) =
            encoding_rs::BIG5.encode("學校發布通知：明天停課。關於臺灣大學的新聞報導，以及更多中文內容。");
        let xml_big5 = [b"<?xml version=\"1.0\" encoding=\"big5\"?><a>".as_slice(), &big5, b"</a>"].concat();
        let cases: Vec<(&str, Vec<u8>, Option<&str>, &str, Origin)> = vec![
            ("utf8 no declaration", zh.as_bytes().to_vec(), None, "UTF-8", Origin::Detected),
            ("gbk via header", gbk.to_vec(), Some("text/xml; charset=GB2312"), "GBK", Origin::Header),
            ("gbk undeclared", gbk.to_vec(), Some("application/xml"), "GBK", Origin::Detected),
            ("big5 in xml prolog", xml_big5, Some("text/xml"), "Big5", Origin::Document),
            ("wrong header overruled", gbk.to_vec(), Some("text/xml; charset=utf-8"), "GBK", Origin::Detected),
            ("html meta", [b"<html><meta charset=\"gbk\">".as_slice(), &gbk].concat(), None, "GBK", Origin::Document),
            (
                "bom",
                [b"\xEF\xBB\xBF".as_slice(), zh.as_bytes()].concat(),
                Some("text/xml; charset=gbk"),
                "UTF-8",
                Origin::Bom,
            ),
        ];
        for (name, bytes, ct, want_enc, want_origin) in cases {
            let d = decode(&bytes, ct);
            assert_eq!((d.encoding.name(), d.origin), (want_enc, want_origin), "case {name}");
            assert!(!d.text.contains('\u{fffd}'), "case {name}: replacement characters in {:?}", d.text);
        }
    }

    #[test]
    fn xml_declaration_rewritten_to_utf8() {
        assert_eq!(
            xml_as_utf8("<?xml version='1.0' encoding='gbk'?><rss/>"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss/>"
        );
        assert_eq!(xml_as_utf8("<rss/>"), "<rss/>");
    }
}
