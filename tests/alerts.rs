//! Alerts and the delivery outbox end to end: the real binary polls a loopback feed, and a
//! loopback SMTP sink and webhook receiver get what it sends — every message, once.

mod common;

use common::sinks::{HookReceiver, SmtpSink, free_port};
use common::{Route, Server, Workspace, fixture};

const FORMATS: [&str; 5] = ["generic", "dingtalk", "wecom", "feishu", "slack"];

/// A feed with two serious hits (critical + high) and one medium, and a workspace watching it
/// with the given extra config.
fn setup(extra: &str) -> (Server, Workspace) {
    let s = Server::start();
    s.route("/rss2.xml", Route::ok("application/rss+xml", fixture("rss2.xml")));
    s.route("/atom.xml", Route::ok("application/atom+xml", fixture("atom.xml")));
    let ws = Workspace::new(&[]);
    ws.write_config(&[("rss2", s.url("/rss2.xml")), ("atom", s.url("/atom.xml"))], extra);
    (s, ws)
}

fn webhooks(hooks: &HookReceiver) -> String {
    FORMATS
        .iter()
        .map(|f| {
            format!(
                "[[channel]]\nname = \"hook-{f}\"\ntype = \"webhook\"\nurl = \"{}\"\nformat = \"{f}\"\n",
                hooks.url(&format!("/{f}"))
            )
        })
        .collect()
}

fn smtp(port: u16) -> String {
    format!(
        "[[channel]]\nname = \"mail\"\ntype = \"smtp\"\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n\
         username = \"desk\"\npassword_env = \"TRAWL_TEST_SMTP_PASSWORD\"\n\
         from = \"trawl <trawl@example.org>\"\nto = [\"desk@example.org\", \"chief@example.org\"]\n"
    )
}

fn base(lang: &str) -> String {
    format!("\n[digest]\nlanguage = \"{lang}\"\n[delivery]\nretry_initial = \"1s\"\n")
}

#[test]
fn serious_hits_alert_once_through_every_webhook_format_mail_and_file() {
    let hooks = HookReceiver::start();
    let sink = SmtpSink::start_on(0);
    let extra = format!(
        "{}{}{}[[channel]]\nname = \"folder\"\ntype = \"file\"\npath = \"outbox\"\n",
        base("en"),
        webhooks(&hooks),
        smtp(sink.port)
    );
    let (_s, ws) = setup(&extra);
    let out = ws.trawl().env("TRAWL_TEST_SMTP_PASSWORD", "s3cret").arg("once").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("deliveries: 7 sent, 0 failed"), "{stdout}");

    for f in FORMATS {
        let got = hooks.hooks(&format!("/{f}"));
        assert_eq!(got.len(), 1, "{f}: {got:?}");
        let body = serde_json::to_string(&got[0].body).unwrap();
        let key = got[0].idempotency_key.clone().expect("Idempotency-Key header");
        assert!(body.contains(&key), "{f}: the idempotency key is in the body: {body}");
        assert!(body.contains("ALERT — 2 serious hits on rss2"), "{f}: {body}");
        assert!(!body.contains("recall"), "{f}: a medium hit is not alerted: {body}");
    }
    let generic = &hooks.hooks("/generic")[0].body;
    assert_eq!(generic["kind"], "alert");
    let rules: Vec<&str> =
        generic["data"]["hits"].as_array().unwrap().iter().map(|h| h["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["fire-at-school", "school"]);
    assert_eq!(hooks.hooks("/dingtalk")[0].body["msgtype"], "markdown");
    assert!(hooks.hooks("/slack")[0].body["text"].as_str().unwrap().contains("[fire]"), "keywords are marked");

    let mails = sink.mails();
    assert_eq!(mails.len(), 1, "one mail to all recipients");
    assert_eq!(mails[0].to, ["desk@example.org", "chief@example.org"]);
    assert_eq!(mails[0].auth.as_deref(), Some("AGRlc2sAczNjcmV0"), "AUTH PLAIN desk/s3cret from the environment");
    let m = mails[0].parsed();
    assert!(m.subject().unwrap().starts_with("ALERT — 2 serious hits on rss2"), "{:?}", m.subject());
    assert!(m.message_id().unwrap().starts_with("alert_poll"), "{:?}", m.message_id());
    assert!(m.body_text(0).unwrap().contains("Riverside School closes after kitchen fire"));
    assert!(m.body_html(0).unwrap().contains("<mark>"));

    let files: Vec<_> = std::fs::read_dir(ws.path("outbox")).unwrap().collect();
    assert_eq!(files.len(), 1);

    // Polling again finds nothing new: nothing is sent again.
    let (code, out, _) = ws.run(&["once"]);
    assert_eq!(code, 0);
    assert!(!out.contains("deliveries:"), "{out}");
    assert_eq!(hooks.hooks("/generic").len(), 1);
    assert_eq!(sink.mails().len(), 1);
    assert_eq!(ws.count("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), 7);
}

#[test]
fn failed_deliveries_survive_a_restart_and_arrive_exactly_once() {
    let hooks = HookReceiver::start();
    hooks.set_status(500);
    let port = free_port(); // SMTP down: nothing listens yet
    let extra = format!("{}{}{}", base("zh"), webhooks(&hooks), smtp(port));
    let (_s, ws) = setup(&extra);
    let out = ws.trawl().env("TRAWL_TEST_SMTP_PASSWORD", "x").arg("once").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("deliveries: 0 sent, 6 failed"), "{stdout}");

    let (code, list, _) = ws.run(&["deliveries", "--status", "pending", "--format", "json"]);
    assert_eq!(code, 0);
    let list: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    assert_eq!(list.len(), 6, "every failed message stays visible: {list:?}");
    assert!(list.iter().all(|d| d["attempts"] == 1 && d["last_error"].is_string()));
    let (_, table, _) = ws.run(&["deliveries"]);
    assert!(table.contains("HTTP 500"), "{table}");
    let (_, digest, _) = ws.run(&["digest"]);
    assert!(digest.contains("## 未送达的消息"), "the next digest names what did not go out: {digest}");
    assert!(digest.contains("→ hook-slack：紧急预警 Alert"), "{digest}");

    // The receivers come back; a new process (a restart) retries everything.
    hooks.set_status(200);
    let sink = SmtpSink::start_on(port);
    let out = ws.trawl().env("TRAWL_TEST_SMTP_PASSWORD", "x").args(["deliveries", "retry", "--all"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for f in FORMATS {
        assert_eq!(hooks.hooks(&format!("/{f}")).len(), 1, "{f}");
    }
    assert_eq!(sink.mails().len(), 1);
    assert!(sink.mails()[0].parsed().subject().unwrap().starts_with("紧急预警 Alert"));

    // Nothing is left to send, and sending again sends nothing twice.
    let (code, _, _) = ws.run(&["deliveries", "send"]);
    assert_eq!(code, 0);
    assert_eq!(hooks.hooks("/generic").len(), 1);
    assert_eq!(sink.mails().len(), 1);
    assert_eq!(ws.count("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), 6);
}

#[test]
fn source_down_alerts_once_and_recovered_when_it_comes_back() {
    let hooks = HookReceiver::start();
    let s = Server::start();
    s.route("/feed.xml", Route::status(500));
    let ws = Workspace::new(&[]);
    let extra = format!(
        "[alerts]\nsource_down_after = \"0s\"\n[[channel]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"{}\"\nkinds = [\"source-down\"]\n",
        hooks.url("/h")
    );
    ws.write_config(&[("flaky", s.url("/feed.xml"))], &extra);
    ws.run(&["once"]);
    ws.run(&["once"]);
    let got = hooks.hooks("/h");
    assert_eq!(got.len(), 1, "down is alerted once, not per failed poll: {got:?}");
    assert_eq!(got[0].body["kind"], "source-down");
    assert!(got[0].body["text"].as_str().unwrap().contains("flaky"));

    s.route("/feed.xml", Route::ok("application/rss+xml", fixture("rss2.xml")));
    ws.run(&["once"]);
    ws.run(&["once"]);
    let got = hooks.hooks("/h");
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1].body["kind"], "recovered");
    assert!(got.iter().all(|h| h.body["kind"] != "alert"), "this channel only takes source-down");
}

#[test]
fn routing_filters_alerts_by_severity_and_owner() {
    let hooks = HookReceiver::start();
    let extra = format!(
        "[alerts]\nmin_severity = \"medium\"\n\
         [[channel]]\nname = \"critical-only\"\ntype = \"webhook\"\nurl = \"{}\"\nmin_severity = \"critical\"\n\
         [[channel]]\nname = \"press\"\ntype = \"webhook\"\nurl = \"{}\"\nowners = [\"press-office\"]\n\
         [[channel]]\nname = \"digests\"\ntype = \"webhook\"\nurl = \"{}\"\nkinds = [\"digest\"]\n",
        hooks.url("/critical"),
        hooks.url("/press"),
        hooks.url("/digests")
    );
    let (_s, ws) = setup(&extra);
    ws.run(&["once"]);
    let rules = |path: &str| -> Vec<String> {
        hooks
            .hooks(path)
            .iter()
            .flat_map(|h| h.body["data"]["hits"].as_array().unwrap().clone())
            .map(|h| h["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(rules("/critical"), ["fire-at-school"]);
    assert_eq!(rules("/press"), ["school"]);
    assert!(hooks.hooks("/digests").is_empty());
}

/// The test rules with tags: `fire-at-school` is emergency and education, `school` education,
/// `recall` consumer; `university` has none.
const TAGGED_RULES: &str = r#"
[[rule]]
name = "school"
severity = "high"
tags = ["education"]
any = ["实验中学", "Riverside School"]

[[rule]]
name = "fire-at-school"
severity = "critical"
tags = ["emergency", "education"]
all = [["火灾", "fire"], ["学校", "school"]]

[[rule]]
name = "recall"
severity = "medium"
tags = ["consumer"]
any = ["abc123", "recall"]
not = ["recall drill"]

[[rule]]
name = "university"
severity = "low"
any = ["臺灣大學"]
"#;

#[test]
fn routing_by_rule_tag_sends_each_channel_only_hits_of_rules_with_its_tags() {
    let hooks = HookReceiver::start();
    let desks = [
        ("emergency", "[\"emergency\"]"),
        ("education", "[\"education\"]"),
        ("several", "[\"sports\", \"consumer\", \"emergency\"]"),
        ("sports", "[\"sports\"]"),
    ];
    let mut extra = "[alerts]\nmin_severity = \"medium\"\n".to_string();
    for (name, tags) in desks {
        extra += &format!(
            "[[channel]]\nname = \"{name}\"\ntype = \"webhook\"\nurl = \"{}\"\ntags = {tags}\n",
            hooks.url(&format!("/{name}"))
        );
    }
    let (_s, ws) = setup(&extra);
    std::fs::write(ws.path("rules/test.toml"), TAGGED_RULES).unwrap();
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    // The rules of every hit in the messages of `kind` that `desk` received, sorted (the two
    // feeds' polls commit in either order).
    let rules = |desk: &str, kind: &str| -> Vec<String> {
        let mut v: Vec<String> = hooks
            .hooks(&format!("/{desk}"))
            .iter()
            .filter(|h| h.body["kind"] == kind)
            .flat_map(|h| h.body["data"]["hits"].as_array().unwrap().clone())
            .map(|h| h["rule"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(rules("emergency", "alert"), ["fire-at-school"]);
    assert_eq!(rules("education", "alert"), ["fire-at-school", "school"]);
    assert_eq!(rules("several", "alert"), ["fire-at-school", "recall"], "any one of its tags is enough");
    assert!(hooks.hooks("/sports").is_empty(), "no hit carries its tag: no alert at all");
    assert_eq!(ws.hits().len(), 3, "routing filters what is sent, not what is stored");

    // A digest is filtered the same way, and is a zero report where no hit is left.
    let (code, _, err) = ws.run(&["digest", "--send"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rules("emergency", "digest"), ["fire-at-school"]);
    assert_eq!(rules("education", "digest"), ["fire-at-school", "school"]);
    assert_eq!(rules("several", "digest"), ["fire-at-school", "recall"]);
    let sports = hooks.hooks("/sports");
    assert_eq!(sports.len(), 1);
    assert_eq!(sports[0].body["data"]["zero"], true, "{:?}", sports[0].body);
}
