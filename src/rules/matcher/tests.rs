//! Table-driven rule evaluation tests: (name, rule file, text, expected hits with spans).

use std::path::Path;

use crate::rules::RuleSet;

fn rules(toml: &str) -> RuleSet {
    RuleSet::parse_str(Path::new("test.toml"), toml).expect("valid rules")
}

/// (rule name, [(keyword, start, end)]) for every hit.
type Expected = Vec<(&'static str, Vec<(&'static str, usize, usize)>)>;

#[test]
fn rule_evaluation_table() {
    let cases: Vec<(&str, &str, &str, Expected)> = vec![
        (
            "any matches case-insensitively",
            r#"[[rule]]
name = "r"
severity = "low"
any = ["Trawl"]"#,
            "We use TRAWL daily",
            vec![("r", vec![("Trawl", 7, 12)])],
        ),
        (
            "full-width keyword text matches ascii",
            r#"[[rule]]
name = "r"
severity = "low"
any = ["abc123"]"#,
            "代码ＡＢＣ１２３号",
            vec![("r", vec![("abc123", 6, 24)])],
        ),
        (
            "chinese keyword, every occurrence",
            r#"[[rule]]
name = "school"
severity = "high"
any = ["实验中学", "校长"]"#,
            "实验中学校长说，实验中学",
            vec![("school", vec![("实验中学", 0, 12), ("校长", 12, 18), ("实验中学", 24, 36)])],
        ),
        (
            "all groups must each match",
            r#"[[rule]]
name = "r"
severity = "medium"
all = [["school", "学校"], ["fire", "火灾"]]"#,
            "学校 had no fire",
            vec![("r", vec![("学校", 0, 6), ("fire", 14, 18)])],
        ),
        (
            "all group missing means no hit",
            r#"[[rule]]
name = "r"
severity = "medium"
all = [["school"], ["fire"]]"#,
            "the school was quiet",
            vec![],
        ),
        (
            "not vetoes the rule",
            r#"[[rule]]
name = "r"
severity = "low"
any = ["bank"]
not = ["river bank"]"#,
            "we sat on the River Bank",
            vec![],
        ),
        (
            "any and all together",
            r#"[[rule]]
name = "r"
severity = "low"
any = ["acme"]
all = [["recall"]]"#,
            "Acme announces recall; acme",
            vec![("r", vec![("acme", 0, 4), ("recall", 15, 21), ("acme", 23, 27)])],
        ),
        (
            "overlapping keywords both recorded",
            r#"[[rule]]
name = "r"
severity = "low"
any = ["北京", "北京大学"]"#,
            "北京大学",
            vec![("r", vec![("北京", 0, 6), ("北京大学", 0, 12)])],
        ),
        (
            "two rules share a keyword",
            r#"[[rule]]
name = "a"
severity = "low"
any = ["strike"]
[[rule]]
name = "b"
severity = "critical"
any = ["STRIKE"]
not = ["lucky"]"#,
            "Strike!",
            vec![("a", vec![("strike", 0, 6)]), ("b", vec![("strike", 0, 6)])],
        ),
        (
            // Regression: a half-width voiced mark composes with the kana before it.
            "half-width katakana with voiced marks matches its full-width keyword",
            r#"[[rule]]
name = "r"
severity = "low"
any = ["データ"]"#,
            "新ﾃﾞｰﾀ公開",
            vec![("r", vec![("データ", 3, 15)])],
        ),
        (
            "simplified keyword matches traditional text, and the reverse",
            r#"[[rule]]
name = "r"
severity = "low"
any = ["台湾大学", "學校"]"#,
            "臺灣大學附近的学校",
            vec![("r", vec![("台湾大学", 0, 12), ("學校", 21, 27)])],
        ),
        (
            "no keyword present",
            r#"[[rule]]
name = "r"
severity = "low"
any = ["absent"]"#,
            "nothing here",
            vec![],
        ),
    ];
    for (name, toml, text, want) in cases {
        let set = rules(toml);
        let got: Expected = set
            .matcher
            .match_text(text)
            .into_iter()
            .map(|h| {
                let rule: &'static str = Box::leak(set.rules[h.rule].name.clone().into_boxed_str());
                let ms = h
                    .matches
                    .iter()
                    .map(|m| (&*Box::leak(m.keyword.clone().into_boxed_str()), m.start, m.end))
                    .collect();
                (rule, ms)
            })
            .collect();
        assert_eq!(got, want, "case: {name}");
    }
}

#[test]
fn invalid_rule_files_are_reported_with_line_and_column() {
    let cases = [
        (
            "unknown severity",
            "[[rule]]\nname = \"r\"\nseverity = \"urgent\"\nany = [\"x\"]\n",
            "test.toml:3:12: unknown severity 'urgent'",
        ),
        ("no keywords", "[[rule]]\nname = \"r\"\nseverity = \"low\"\n", "test.toml:2:8: rule 'r' has no keywords"),
        (
            "unknown key",
            "[[rule]]\nname = \"r\"\nseverity = \"low\"\nanny = [\"x\"]\n",
            "test.toml:4:1: unknown field `anny`",
        ),
        (
            "empty keyword",
            "[[rule]]\nname = \"r\"\nseverity = \"low\"\nany = [\" \"]\n",
            "test.toml:4:8: empty keyword",
        ),
        (
            "duplicate name",
            "[[rule]]\nname = \"r\"\nseverity = \"low\"\nany = [\"x\"]\n[[rule]]\nname = \"r\"\nseverity = \"low\"\nany = [\"y\"]\n",
            "test.toml:6:8: duplicate rule name 'r' (first defined at test.toml:2)",
        ),
    ];
    for (name, toml, want) in cases {
        let err = RuleSet::parse_str(Path::new("test.toml"), toml).expect_err(name).to_string();
        assert!(err.starts_with(want), "case {name}: got {err:?}");
    }
}

#[test]
fn snippet_is_about_sixty_characters_around_the_first_match() {
    let text = format!("{}关键词{}", "前".repeat(40), "后".repeat(80));
    let set = rules("[[rule]]\nname = \"r\"\nseverity = \"low\"\nany = [\"关键词\"]\n");
    let hit = &set.matcher.match_text(&text)[0];
    assert_eq!(hit.snippet, format!("…{}关键词{}…", "前".repeat(20), "后".repeat(37)));
}
