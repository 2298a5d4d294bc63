//! Output in openstackclient's formats: table, json, yaml, value.
//!
//! A command produces either one record (`openstack ... show`: fields and
//! values) or a list of rows (`openstack ... list`). Values are JSON, so the
//! `json` and `yaml` forms keep their structure, while the `table` and
//! `value` forms show each value as text (nested values through a
//! per-command formatter, like openstackclient's formattable columns).

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// The output format (`-f/--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A bordered table (the default).
    Table,
    /// JSON, indented.
    Json,
    /// YAML.
    Yaml,
    /// Values only, one record or row per line.
    Value,
}

impl clap::ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[Format::Table, Format::Json, Format::Yaml, Format::Value]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Value => "value",
        }))
    }
}

/// How a cell shows a non-scalar value in the table and value forms.
pub type CellFormatter = fn(&Value) -> String;

/// A column: its name and, for nested values, how to show them as text.
#[derive(Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub human: Option<CellFormatter>,
}

impl Column {
    pub const fn plain(name: &'static str) -> Self {
        Column { name, human: None }
    }

    pub const fn with(name: &'static str, human: CellFormatter) -> Self {
        Column {
            name,
            human: Some(human),
        }
    }

    fn text(&self, v: &Value) -> String {
        match self.human {
            Some(f) => f(v),
            None => scalar_text(v),
        }
    }
}

/// Text of a scalar as openstackclient prints it (`None` for null).
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => "None".to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// cliff's column name matching: case, surrounding spaces and `_` for ` `
/// do not matter (`-c region_name` picks `Region Name`).
fn normalize_column(name: &str) -> String {
    name.trim().to_lowercase().replace(' ', "_")
}

/// The columns picked by `-c`, in the command's order (as cliff does, so
/// `-f value -c id -c expires` prints `expires` first, like openstackclient);
/// an error when none of them is a column.
fn selected<'a>(columns: &'a [Column], wanted: &[String]) -> Result<Vec<&'a Column>, String> {
    if wanted.is_empty() {
        return Ok(columns.iter().collect());
    }
    let normalized: Vec<String> = wanted.iter().map(|w| normalize_column(w)).collect();
    let cols: Vec<&Column> = columns
        .iter()
        .filter(|c| normalized.contains(&normalize_column(c.name)))
        .collect();
    if cols.is_empty() {
        let known: Vec<&str> = columns.iter().map(|c| c.name).collect();
        return Err(format!(
            "no recognized column names in {wanted:?}; recognized columns are {known:?}"
        ));
    }
    Ok(cols)
}

/// Renders one record (fields sorted as the command gives them).
pub fn show(
    format: Format,
    columns: &[Column],
    record: &Map<String, Value>,
    wanted: &[String],
) -> Result<String, String> {
    let cols = selected(columns, wanted)?;
    Ok(match format {
        Format::Json => {
            let mut out = Map::new();
            for c in &cols {
                out.insert(c.name.to_owned(), record.get(c.name).cloned().unwrap_or(Value::Null));
            }
            pretty_json(&Value::Object(out))
        }
        Format::Yaml => {
            let mut out = String::new();
            for c in &cols {
                yaml_entry(&mut out, 0, c.name, record.get(c.name).unwrap_or(&Value::Null));
            }
            out
        }
        Format::Value => {
            let mut out = String::new();
            for c in &cols {
                let _ = writeln!(out, "{}", c.text(record.get(c.name).unwrap_or(&Value::Null)));
            }
            out
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = cols
                .iter()
                .map(|c| vec![c.name.to_owned(), c.text(record.get(c.name).unwrap_or(&Value::Null))])
                .collect();
            table(&["Field".to_owned(), "Value".to_owned()], &rows)
        }
    })
}

/// Renders a list of rows.
pub fn list(
    format: Format,
    columns: &[Column],
    rows: &[Map<String, Value>],
    wanted: &[String],
) -> Result<String, String> {
    let cols = selected(columns, wanted)?;
    Ok(match format {
        Format::Json => {
            let items: Vec<Value> = rows
                .iter()
                .map(|r| {
                    let mut m = Map::new();
                    for c in &cols {
                        m.insert(c.name.to_owned(), r.get(c.name).cloned().unwrap_or(Value::Null));
                    }
                    Value::Object(m)
                })
                .collect();
            pretty_json(&Value::Array(items))
        }
        Format::Yaml => {
            if rows.is_empty() {
                return Ok("[]\n".to_owned());
            }
            let mut out = String::new();
            for r in rows {
                let mut first = true;
                for c in &cols {
                    let v = r.get(c.name).unwrap_or(&Value::Null);
                    let mut entry = String::new();
                    yaml_entry(&mut entry, 2, c.name, v);
                    if first {
                        out.push_str("- ");
                        out.push_str(entry.trim_start());
                        first = false;
                    } else {
                        out.push_str(&entry);
                    }
                }
            }
            out
        }
        Format::Value => {
            let mut out = String::new();
            for r in rows {
                let line: Vec<String> = cols
                    .iter()
                    .map(|c| c.text(r.get(c.name).unwrap_or(&Value::Null)))
                    .collect();
                let _ = writeln!(out, "{}", line.join(" "));
            }
            out
        }
        Format::Table => {
            let header: Vec<String> = cols.iter().map(|c| c.name.to_owned()).collect();
            let body: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    cols.iter()
                        .map(|c| c.text(r.get(c.name).unwrap_or(&Value::Null)))
                        .collect()
                })
                .collect();
            if body.is_empty() {
                return Ok(String::new());
            }
            table(&header, &body)
        }
    })
}

/// JSON indented by 2 spaces, as openstackclient (cliff) prints it.
pub fn pretty_json(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    s.push('\n');
    s
}

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => yaml_string(s),
        other => other.to_string(),
    }
}

fn yaml_string(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.starts_with(|c: char| c.is_whitespace() || "-?:,[]{}#&*!|>'\"%@`".contains(c))
        && !s.ends_with(char::is_whitespace)
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.contains('\n')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~"
        )
        && s.parse::<f64>().is_err();
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn yaml_entry(out: &mut String, indent: usize, key: &str, v: &Value) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if !m.is_empty() => {
            let _ = writeln!(out, "{pad}{}:", yaml_string(key));
            for (k, vv) in m {
                yaml_entry(out, indent + 2, k, vv);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let _ = writeln!(out, "{pad}{}:", yaml_string(key));
            yaml_items(out, indent, items);
        }
        Value::Object(_) => {
            let _ = writeln!(out, "{pad}{}: {{}}", yaml_string(key));
        }
        Value::Array(_) => {
            let _ = writeln!(out, "{pad}{}: []", yaml_string(key));
        }
        scalar => {
            let _ = writeln!(out, "{pad}{}: {}", yaml_string(key), yaml_scalar(scalar));
        }
    }
}

fn yaml_items(out: &mut String, indent: usize, items: &[Value]) {
    let pad = " ".repeat(indent);
    for item in items {
        match item {
            Value::Object(m) if !m.is_empty() => {
                let mut first = true;
                for (k, vv) in m {
                    let mut entry = String::new();
                    yaml_entry(&mut entry, indent + 2, k, vv);
                    if first {
                        let _ = write!(out, "{pad}- {}", entry.trim_start());
                        first = false;
                    } else {
                        out.push_str(&entry);
                    }
                }
            }
            other => {
                let _ = writeln!(out, "{pad}- {}", yaml_scalar(other));
            }
        }
    }
}

/// A prettytable-style table: `+---+` borders, left-aligned, multi-line cells.
pub fn table(header: &[String], rows: &[Vec<String>]) -> String {
    let lines = |s: &str| -> Vec<String> {
        let t = s.strip_suffix('\n').unwrap_or(s);
        t.split('\n').map(str::to_owned).collect()
    };
    let ncols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, cell) in r.iter().enumerate().take(ncols) {
            for l in lines(cell) {
                widths[i] = widths[i].max(l.chars().count());
            }
        }
    }
    let border = {
        let mut b = String::from("+");
        for w in &widths {
            b.push_str(&"-".repeat(w + 2));
            b.push('+');
        }
        b.push('\n');
        b
    };
    let render_row = |out: &mut String, cells: &[String]| {
        let split: Vec<Vec<String>> = cells.iter().map(|c| lines(c)).collect();
        let height = split.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            out.push('|');
            for (i, w) in widths.iter().enumerate() {
                let text = split.get(i).and_then(|c| c.get(line)).map(String::as_str).unwrap_or("");
                let _ = write!(out, " {text}{} |", " ".repeat(w - text.chars().count()));
            }
            out.push('\n');
        }
    };
    let mut out = border.clone();
    render_row(&mut out, header);
    out.push_str(&border);
    for r in rows {
        render_row(&mut out, r);
    }
    out.push_str(&border);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    const COLS: &[Column] = &[Column::plain("expires"), Column::plain("id")];

    #[test]
    fn show_formats() {
        let r = rec(json!({"expires": "2026-11-23T18:57:05+0000", "id": "gAAAA"}));
        assert_eq!(
            show(Format::Table, COLS, &r, &[]).unwrap(),
            "+---------+--------------------------+\n| Field   | Value                    |\n+---------+--------------------------+\n| expires | 2026-11-23T18:57:05+0000 |\n| id      | gAAAA                    |\n+---------+--------------------------+\n"
        );
        assert_eq!(show(Format::Value, COLS, &r, &["id".into()]).unwrap(), "gAAAA\n");
        assert_eq!(
            show(Format::Json, COLS, &r, &[]).unwrap(),
            "{\n  \"expires\": \"2026-11-23T18:57:05+0000\",\n  \"id\": \"gAAAA\"\n}\n"
        );
        assert_eq!(
            show(Format::Yaml, COLS, &r, &[]).unwrap(),
            "expires: 2026-11-23T18:57:05+0000\nid: gAAAA\n"
        );
    }

    #[test]
    fn list_formats_with_nested_values() {
        fn eps(v: &Value) -> String {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .map(|e| {
                            format!(
                                "{}\n  {}\n",
                                e["region_id"].as_str().unwrap_or(""),
                                e["url"].as_str().unwrap_or("")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
        let cols = [Column::plain("Name"), Column::with("Endpoints", eps)];
        let rows = vec![rec(
            json!({"Name": "nova", "Endpoints": [{"region_id": "R1", "url": "http://a"}, {"region_id": "R2", "url": "http://b"}]}),
        )];
        let t = list(Format::Table, &cols, &rows, &[]).unwrap();
        assert!(
            t.contains("| nova | R1         |\n|      |   http://a |\n|      | R2         |"),
            "{t}"
        );
        let y = list(Format::Yaml, &cols, &rows, &[]).unwrap();
        assert_eq!(
            y,
            "- Name: nova\n  Endpoints:\n  - region_id: R1\n    url: http://a\n  - region_id: R2\n    url: http://b\n"
        );
        assert_eq!(
            list(Format::Value, &[Column::plain("Name")], &rows, &[]).unwrap(),
            "nova\n"
        );
    }

    #[test]
    fn columns_in_command_order_normalized_and_checked() {
        let r = rec(json!({"expires": "e", "id": "i"}));
        // The command's order, not the order of -c (cliff's behaviour).
        assert_eq!(
            show(Format::Value, COLS, &r, &["id".into(), "expires".into()]).unwrap(),
            "e\ni\n"
        );
        assert_eq!(show(Format::Value, COLS, &r, &[" ID ".into()]).unwrap(), "i\n");
        let rows = vec![rec(json!({"Region Name": "R1"}))];
        assert_eq!(
            list(
                Format::Value,
                &[Column::plain("Region Name")],
                &rows,
                &["region_name".into()]
            )
            .unwrap(),
            "R1\n"
        );
        // Unknown ones are ignored while one is known; none known is an error.
        assert_eq!(
            show(Format::Value, COLS, &r, &["id".into(), "nope".into()]).unwrap(),
            "i\n"
        );
        let e = show(Format::Json, COLS, &r, &["nope".into()]).unwrap_err();
        assert!(e.contains("nope") && e.contains("expires"), "{e}");
    }

    #[test]
    fn yaml_strings_quoted_when_needed() {
        assert_eq!(yaml_string("plain"), "plain");
        assert_eq!(yaml_string("3.0"), "'3.0'");
        assert_eq!(yaml_string("true"), "'true'");
        assert_eq!(yaml_string("a: b"), "'a: b'");
        assert_eq!(yaml_string(""), "''");
        assert_eq!(yaml_string("it's"), "it's");
        assert_eq!(yaml_string("'q"), "'''q'");
    }
}
