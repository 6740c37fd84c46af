//! Go `text/template` for `--format`, evaluated against `serde_json::Value`s
//! that carry Podman's field names, plus Podman's table helpers.
//!
//! The data model follows how Go treats a `map[string]interface{}`: a missing
//! key is an invalid value that prints as `<no value>`, an explicit JSON null
//! is a nil (printed `<nil>`), and maps iterate and print in sorted key order.

use serde_json::{Map, Number, Value};
use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::rc::Rc;

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// A parse or execution error; `message` is the full user-facing text.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TemplateError {}

/// A parsed template: parse once, execute against many values.
#[derive(Debug, Clone)]
pub struct Template {
    src: String,
    nodes: Vec<Node>,
}

impl Template {
    pub fn parse(src: &str) -> Result<Template, TemplateError> {
        let toks = lex(src);
        let mut p = Parser {
            src,
            toks,
            i: 0,
            vars: vec!["$".to_string()],
            range_depth: 0,
        };
        let nodes = p.parse_top()?;
        Ok(Template {
            src: src.to_string(),
            nodes,
        })
    }

    pub fn execute(&self, data: &Value) -> Result<String, TemplateError> {
        let root = Val::Ref(data);
        let mut ex = Exec {
            vars: vec![("$", root.clone())],
            out: String::new(),
        };
        match ex.walk_list(&root, &self.nodes) {
            Ok(_) => Ok(ex.out),
            Err(e) => Err(TemplateError {
                message: match e.span {
                    Some((a, b)) => format!(
                        "template: executing at <{}>: {}",
                        self.src[a..b].trim(),
                        e.msg
                    ),
                    None => format!("template: executing: {}", e.msg),
                },
            }),
        }
    }
}

/// A user's `--format` after Podman's normalisation.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatSpec {
    pub table: bool,
    pub template: String,
}

/// Podman's format normalisation: a leading `table` (followed by whitespace
/// or end) selects table mode; literal `\t` and `\n` become tab and newline.
pub fn normalize_format(user: &str) -> FormatSpec {
    // Two passes like Podman, so a `\t` produced by the first can't be re-read.
    let s = user.replace("\\t", "\t").replace("\\n", "\n");
    let trimmed = s.trim_start();
    if let Some(rest) = trimmed.strip_prefix("table") {
        if rest.is_empty() || rest.starts_with(char::is_whitespace) {
            return FormatSpec {
                table: true,
                template: rest.trim_start().to_string(),
            };
        }
    }
    FormatSpec {
        table: false,
        template: s,
    }
}

/// Header row for table mode: text is kept, each action becomes the header of
/// the first field it refers to. `names` maps a field path ("State.Status") or
/// a bare field name ("Status") to header text; other fields get their name
/// split at camel-case boundaries and upper-cased ("CreatedAt" -> "CREATED AT"),
/// as Podman derives headers from struct field names.
pub fn header_row(template: &str, names: &[(&str, &str)]) -> String {
    let Ok(t) = Template::parse(template) else {
        // Execution would fail on the same template; show it as-is.
        return template.to_string();
    };
    let mut out = String::new();
    header_nodes(&t.nodes, names, &mut out);
    out
}

/// Column alignment like Go's text/tabwriter as Podman configures it
/// (minwidth 12, tabwidth 2, padding 2, padchar ' ', no flags).
pub fn align_columns(text: &str) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut widths = Vec::new();
    tab_format(&lines, 0, lines.len(), &mut widths, &mut out);
    out
}

// ---------------------------------------------------------------------------
// tabwriter
// ---------------------------------------------------------------------------

const TAB_MINWIDTH: usize = 12;
const TAB_PADDING: usize = 2;

// Mirrors tabwriter's recursive block formatting: a column's width is fixed
// per run of consecutive lines that have a tab-terminated cell in it.
fn tab_format(
    lines: &[Vec<&str>],
    mut line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        tab_write_lines(lines, line0, this, widths, out);
        line0 = this;
        let mut width = TAB_MINWIDTH;
        while this < line1 && column + 1 < lines[this].len() {
            width = width.max(lines[this][column].chars().count() + TAB_PADDING);
            this += 1;
        }
        widths.push(width);
        tab_format(lines, line0, this, widths, out);
        widths.pop();
        line0 = this;
    }
    tab_write_lines(lines, line0, line1, widths, out);
}

fn tab_write_lines(
    lines: &[Vec<&str>],
    from: usize,
    to: usize,
    widths: &[usize],
    out: &mut String,
) {
    for (i, line) in lines.iter().enumerate().take(to).skip(from) {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if j < widths.len() {
                let w = cell.chars().count();
                out.extend(std::iter::repeat_n(' ', widths[j].saturating_sub(w)));
            }
        }
        // The text after the last newline is an unterminated line.
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
}

// ---------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------

fn header_nodes(nodes: &[Node], names: &[(&str, &str)], out: &mut String) {
    for n in nodes {
        match n {
            Node::Text(s) => out.push_str(s),
            Node::Action(p) => {
                if p.decl.is_empty() {
                    if let Some(path) = first_field(p) {
                        out.push_str(&header_for(path, names));
                    }
                }
            }
            Node::If(c) | Node::With(c) | Node::Range(c) => header_nodes(&c.list, names, out),
            Node::Break | Node::Continue => {}
        }
    }
}

fn first_field(p: &Pipe) -> Option<&[String]> {
    for cmd in &p.cmds {
        for arg in &cmd.args {
            match arg {
                Arg::Field(path) | Arg::Var(_, path) | Arg::Chain(_, path) if !path.is_empty() => {
                    return Some(path)
                }
                Arg::Pipe(inner) => {
                    if let Some(path) = first_field(inner) {
                        return Some(path);
                    }
                }
                _ => {}
            }
        }
    }
    None
}

fn header_for(path: &[String], names: &[(&str, &str)]) -> String {
    let full = path.join(".");
    let last = path.last().map(String::as_str).unwrap_or("");
    names
        .iter()
        .find(|(k, _)| *k == full)
        .or_else(|| names.iter().find(|(k, _)| *k == last))
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| camel_words(last).join(" ").to_uppercase())
}

/// Splits "CreatedAt" -> ["Created", "At"], "ImageID" -> ["Image", "ID"],
/// "HTTPServer" -> ["HTTP", "Server"].
fn camel_words(s: &str) -> Vec<String> {
    fn class(c: char) -> u8 {
        if c.is_lowercase() {
            1
        } else if c.is_uppercase() {
            2
        } else if c.is_numeric() {
            3
        } else {
            4
        }
    }
    let mut runs: Vec<(u8, Vec<char>)> = Vec::new();
    for c in s.chars() {
        let k = class(c);
        match runs.last_mut() {
            Some((rk, run)) if *rk == k => run.push(c),
            _ => runs.push((k, vec![c])),
        }
    }
    // An upper-case run followed by lower case gives its last letter to the
    // next word ("HTTPServer").
    for i in 0..runs.len().saturating_sub(1) {
        if runs[i].0 == 2 && runs[i + 1].0 == 1 {
            if let Some(c) = runs[i].1.pop() {
                runs[i + 1].1.insert(0, c);
            }
        }
    }
    runs.into_iter()
        .filter(|(_, r)| !r.is_empty())
        .map(|(_, r)| r.into_iter().collect())
        .collect()
}

// ---------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kw {
    If,
    Else,
    End,
    Range,
    With,
    Break,
    Continue,
    Define,
    Template,
    Block,
}

#[derive(Debug, Clone, PartialEq)]
enum T {
    Text(String),
    Left,
    Right,
    Space,
    Pipe,
    LParen,
    RParen,
    Declare,
    Assign,
    Char(char),
    Str(String),
    Num(Value),
    Bool(bool),
    Nil,
    Dot,
    Field(String),
    Var(String),
    Ident(String),
    Kw(Kw),
    Error(String),
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    t: T,
    pos: usize,
    end: usize,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

fn go_unicode(c: char) -> String {
    format!("U+{:04X} {:?}", c as u32, c)
}

fn lex(src: &str) -> Vec<Token> {
    let mut lx = Lexer {
        src,
        pos: 0,
        toks: Vec::new(),
    };
    lx.run();
    lx.toks
}

struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    toks: Vec<Token>,
}

impl<'s> Lexer<'s> {
    fn rest(&self) -> &'s str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn push(&mut self, t: T, start: usize) {
        self.toks.push(Token {
            t,
            pos: start,
            end: self.pos,
        });
    }

    fn fail(&mut self, msg: impl Into<String>, at: usize) -> bool {
        self.toks.push(Token {
            t: T::Error(msg.into()),
            pos: at,
            end: at,
        });
        false
    }

    /// (at "}}", with a " -" trim marker before it)
    fn at_right_delim(&self) -> (bool, bool) {
        let r = self.rest();
        let b = r.as_bytes();
        if b.len() >= 2 && is_space(b[0] as char) && b[1] == b'-' && r[2..].starts_with("}}") {
            return (true, true);
        }
        (r.starts_with("}}"), false)
    }

    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) => {
                is_space(c)
                    || matches!(c, '.' | ',' | '|' | ':' | ')' | '(')
                    || self.rest().starts_with("}}")
            }
        }
    }

    fn skip_leading_space(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
        }
    }

    fn run(&mut self) {
        loop {
            let rest = self.rest();
            let Some(i) = rest.find("{{") else {
                if !rest.is_empty() {
                    let start = self.pos;
                    self.pos = self.src.len();
                    self.push(T::Text(rest.to_string()), start);
                }
                let end = self.src.len();
                self.push(T::Eof, end);
                return;
            };
            let after = &rest[i + 2..];
            let ab = after.as_bytes();
            let trim = ab.len() >= 2 && ab[0] == b'-' && is_space(ab[1] as char);
            let mut text = &rest[..i];
            if trim {
                text = text.trim_end_matches(is_space);
            }
            if !text.is_empty() {
                let start = self.pos;
                self.toks.push(Token {
                    t: T::Text(text.to_string()),
                    pos: start,
                    end: start + text.len(),
                });
            }
            let delim = self.pos + i;
            self.pos = delim + 2 + if trim { 2 } else { 0 };
            let ok = if self.rest().starts_with("/*") {
                self.lex_comment(delim)
            } else {
                self.toks.push(Token {
                    t: T::Left,
                    pos: delim,
                    end: delim + 2,
                });
                self.lex_action(delim)
            };
            if !ok {
                return;
            }
        }
    }

    fn lex_comment(&mut self, delim: usize) -> bool {
        self.pos += 2;
        match self.rest().find("*/") {
            None => return self.fail("unclosed comment", delim),
            Some(x) => self.pos += x + 2,
        }
        let (at, trim) = self.at_right_delim();
        if !at {
            return self.fail("comment ends before closing delimiter", delim);
        }
        self.pos += if trim { 4 } else { 2 };
        if trim {
            self.skip_leading_space();
        }
        true
    }

    fn lex_action(&mut self, action_start: usize) -> bool {
        let mut parens = 0i32;
        loop {
            let (at, trim) = self.at_right_delim();
            if at {
                if parens != 0 {
                    return self.fail("unclosed left paren", self.pos);
                }
                let s = self.pos;
                self.pos += if trim { 4 } else { 2 };
                self.push(T::Right, s);
                if trim {
                    self.skip_leading_space();
                }
                return true;
            }
            let s = self.pos;
            let Some(c) = self.bump() else {
                return self.fail("unclosed action", action_start);
            };
            let ok = match c {
                c if is_space(c) => {
                    let mut n = 1;
                    while self.peek().is_some_and(is_space) {
                        self.bump();
                        n += 1;
                    }
                    // Leave the space of a " -}}" for at_right_delim.
                    let r = &self.src[self.pos - 1..];
                    if r.as_bytes().get(1) == Some(&b'-') && r[2..].starts_with("}}") {
                        self.pos -= 1;
                        n -= 1;
                    }
                    if n > 0 {
                        self.push(T::Space, s);
                    }
                    true
                }
                '=' => {
                    self.push(T::Assign, s);
                    true
                }
                ':' => {
                    if self.peek() == Some('=') {
                        self.bump();
                        self.push(T::Declare, s);
                        true
                    } else {
                        self.fail("expected :=", s)
                    }
                }
                '|' => {
                    self.push(T::Pipe, s);
                    true
                }
                '"' => self.lex_quote(s),
                '`' => match self.rest().find('`') {
                    None => self.fail("unterminated raw quoted string", s),
                    Some(i) => {
                        // Go's Unquote drops carriage returns from raw strings.
                        let body = self.rest()[..i].replace('\r', "");
                        self.pos += i + 1;
                        self.push(T::Str(body), s);
                        true
                    }
                },
                '\'' => self.lex_char(s),
                '$' => self.lex_word(s, true),
                '.' if !self.peek().is_some_and(|d| d.is_ascii_digit()) => self.lex_word(s, false),
                '.' | '+' | '-' | '0'..='9' => {
                    self.pos = s;
                    self.lex_number()
                }
                c if is_alnum(c) => self.lex_ident(s),
                '(' => {
                    parens += 1;
                    self.push(T::LParen, s);
                    true
                }
                ')' => {
                    parens -= 1;
                    if parens < 0 {
                        self.fail("unexpected right paren", s)
                    } else {
                        self.push(T::RParen, s);
                        true
                    }
                }
                c if c.is_ascii_graphic() => {
                    self.push(T::Char(c), s);
                    true
                }
                c => self.fail(
                    format!("unrecognized character in action: {}", go_unicode(c)),
                    s,
                ),
            };
            if !ok {
                return false;
            }
        }
    }

    fn bad_char(&mut self) -> bool {
        let at = self.pos;
        let c = self.peek().unwrap_or(' ');
        self.fail(format!("bad character {}", go_unicode(c)), at)
    }

    /// `.Field`, `.`, `$name` or `$`; `start` is at the `.`/`$`.
    fn lex_word(&mut self, start: usize, var: bool) -> bool {
        if self.at_terminator() {
            self.push(if var { T::Var("$".into()) } else { T::Dot }, start);
            return true;
        }
        while self.peek().is_some_and(is_alnum) {
            self.bump();
        }
        if !self.at_terminator() {
            return self.bad_char();
        }
        let text = &self.src[start..self.pos];
        let t = if var {
            T::Var(text.to_string())
        } else {
            T::Field(text[1..].to_string())
        };
        self.push(t, start);
        true
    }

    fn lex_ident(&mut self, start: usize) -> bool {
        while self.peek().is_some_and(is_alnum) {
            self.bump();
        }
        if !self.at_terminator() {
            return self.bad_char();
        }
        let t = match &self.src[start..self.pos] {
            "true" => T::Bool(true),
            "false" => T::Bool(false),
            "nil" => T::Nil,
            "if" => T::Kw(Kw::If),
            "else" => T::Kw(Kw::Else),
            "end" => T::Kw(Kw::End),
            "range" => T::Kw(Kw::Range),
            "with" => T::Kw(Kw::With),
            "break" => T::Kw(Kw::Break),
            "continue" => T::Kw(Kw::Continue),
            "define" => T::Kw(Kw::Define),
            "template" => T::Kw(Kw::Template),
            "block" => T::Kw(Kw::Block),
            w => T::Ident(w.to_string()),
        };
        self.push(t, start);
        true
    }

    fn accept(&mut self, set: &str) -> bool {
        match self.peek() {
            Some(c) if set.contains(c) => {
                self.bump();
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, set: &str) {
        while self.accept(set) {}
    }

    fn lex_number(&mut self) -> bool {
        let s = self.pos;
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if self.peek().is_some_and(is_alnum) {
            self.bump();
            let text = &self.src[s..self.pos];
            return self.fail(format!("bad number syntax: {text:?}"), s);
        }
        let text = &self.src[s..self.pos];
        match parse_number(text) {
            Some(v) => {
                self.push(T::Num(v), s);
                true
            }
            None => self.fail(format!("illegal number syntax: {text:?}"), s),
        }
    }

    fn lex_quote(&mut self, s: usize) -> bool {
        loop {
            match self.bump() {
                Some('\\') => match self.bump() {
                    None | Some('\n') => return self.fail("unterminated quoted string", s),
                    Some(_) => {}
                },
                None | Some('\n') => return self.fail("unterminated quoted string", s),
                Some('"') => break,
                Some(_) => {}
            }
        }
        let raw = &self.src[s..self.pos];
        match unescape(&raw[1..raw.len() - 1], '"') {
            Some(v) => {
                self.push(T::Str(v), s);
                true
            }
            None => self.fail(format!("invalid syntax in string {raw}"), s),
        }
    }

    fn lex_char(&mut self, s: usize) -> bool {
        loop {
            match self.bump() {
                Some('\\') => match self.bump() {
                    None | Some('\n') => return self.fail("unterminated character constant", s),
                    Some(_) => {}
                },
                None | Some('\n') => return self.fail("unterminated character constant", s),
                Some('\'') => break,
                Some(_) => {}
            }
        }
        let raw = &self.src[s..self.pos];
        let body = unescape(&raw[1..raw.len() - 1], '\'');
        let mut chars = body.as_deref().unwrap_or("").chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => {
                self.push(T::Num(Value::from(c as u32)), s);
                true
            }
            _ => self.fail(format!("malformed character constant: {raw}"), s),
        }
    }
}

/// Go string-literal escapes.
fn unescape(body: &str, quote: char) -> Option<String> {
    let mut out = String::with_capacity(body.len());
    let mut it = body.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = it.next()?;
        let hex = |it: &mut std::str::Chars<'_>, n: usize, radix: u32| -> Option<char> {
            let s: String = it.by_ref().take(n).collect();
            if s.chars().count() != n {
                return None;
            }
            char::from_u32(u32::from_str_radix(&s, radix).ok()?)
        };
        out.push(match e {
            'a' => '\x07',
            'b' => '\x08',
            'f' => '\x0c',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\x0b',
            '\\' => '\\',
            c if c == quote => c,
            'x' => hex(&mut it, 2, 16)?,
            'u' => hex(&mut it, 4, 16)?,
            'U' => hex(&mut it, 8, 16)?,
            '0'..='7' => {
                let rest: String = it.by_ref().take(2).collect();
                let v = u32::from_str_radix(&format!("{e}{rest}"), 8).ok()?;
                if rest.len() != 2 || v > 255 {
                    return None;
                }
                char::from_u32(v)?
            }
            _ => return None,
        });
    }
    Some(out)
}

/// Number literal as Go's parser reads it: integers (with 0x/0o/0b/0 prefixes
/// and `_`), otherwise floats.
fn parse_number(text: &str) -> Option<Value> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match clean.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, clean.strip_prefix('+').unwrap_or(&clean)),
    };
    let lower = body.to_ascii_lowercase();
    let radix = |d: &str, r: u32| {
        if d.is_empty() {
            None
        } else {
            u64::from_str_radix(d, r).ok()
        }
    };
    let mag = if let Some(h) = lower.strip_prefix("0x") {
        radix(h, 16)?
    } else if let Some(o) = lower.strip_prefix("0o") {
        radix(o, 8)?
    } else if let Some(b) = lower.strip_prefix("0b") {
        radix(b, 2)?
    } else if body.contains(['.', 'e', 'E']) {
        let f: f64 = body.parse().ok()?;
        return Number::from_f64(if neg { -f } else { f }).map(Value::Number);
    } else if body.len() > 1 && body.starts_with('0') {
        radix(&body[1..], 8)?
    } else {
        match radix(body, 10) {
            Some(m) => m,
            None => {
                let f: f64 = body.parse().ok()?;
                return Number::from_f64(if neg { -f } else { f }).map(Value::Number);
            }
        }
    };
    if neg {
        let v = -(mag as i128);
        if v < i64::MIN as i128 {
            return Number::from_f64(v as f64).map(Value::Number);
        }
        Some(Value::from(v as i64))
    } else {
        Some(Value::from(mag))
    }
}

// ---------------------------------------------------------------------------
// AST and parser
// ---------------------------------------------------------------------------

type Span = (usize, usize);

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Action(Pipe),
    If(Box<Control>),
    With(Box<Control>),
    Range(Box<Control>),
    Break,
    Continue,
}

#[derive(Debug, Clone)]
struct Control {
    pipe: Pipe,
    list: Vec<Node>,
    else_list: Option<Vec<Node>>,
}

#[derive(Debug, Clone)]
struct Pipe {
    span: Span,
    decl: Vec<String>,
    is_assign: bool,
    cmds: Vec<Cmd>,
}

#[derive(Debug, Clone)]
struct Cmd {
    span: Span,
    args: Vec<Arg>,
}

#[derive(Debug, Clone)]
enum Arg {
    Dot,
    Nil,
    Lit(Value),
    Field(Vec<String>),
    Var(String, Vec<String>),
    Chain(Box<Arg>, Vec<String>),
    Pipe(Box<Pipe>),
    Func(Func),
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields = |f: &mut fmt::Formatter<'_>, p: &[String]| -> fmt::Result {
            p.iter().try_for_each(|x| write!(f, ".{x}"))
        };
        match self {
            Arg::Dot => f.write_str("."),
            Arg::Nil => f.write_str("nil"),
            Arg::Lit(Value::String(s)) => f.write_str(&go_quote(s)),
            Arg::Lit(v) => {
                let mut s = String::new();
                write_value(&mut s, v);
                f.write_str(&s)
            }
            Arg::Field(p) => fields(f, p),
            Arg::Var(n, p) => {
                f.write_str(n)?;
                fields(f, p)
            }
            Arg::Chain(b, p) => {
                write!(f, "({b})")?;
                fields(f, p)
            }
            Arg::Pipe(p) => {
                f.write_str("(")?;
                for (i, c) in p.cmds.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    for (j, a) in c.args.iter().enumerate() {
                        if j > 0 {
                            f.write_str(" ")?;
                        }
                        write!(f, "{a}")?;
                    }
                }
                f.write_str(")")
            }
            Arg::Func(func) => f.write_str(func.name()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Func {
    And,
    Or,
    Not,
    Len,
    Index,
    Slice,
    Print,
    Printf,
    Println,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Json,
    Upper,
    Lower,
    Title,
    Join,
    Split,
    Truncate,
    Pad,
    Contains,
    Replace,
}

/// name, function, minimum and maximum (None = variadic) argument counts
const FUNCS: &[(&str, Func, usize, Option<usize>)] = &[
    ("and", Func::And, 1, None),
    ("or", Func::Or, 1, None),
    ("not", Func::Not, 1, Some(1)),
    ("len", Func::Len, 1, Some(1)),
    ("index", Func::Index, 1, None),
    ("slice", Func::Slice, 1, None),
    ("print", Func::Print, 0, None),
    ("printf", Func::Printf, 1, None),
    ("println", Func::Println, 0, None),
    ("eq", Func::Eq, 2, None),
    ("ne", Func::Ne, 2, Some(2)),
    ("lt", Func::Lt, 2, Some(2)),
    ("le", Func::Le, 2, Some(2)),
    ("gt", Func::Gt, 2, Some(2)),
    ("ge", Func::Ge, 2, Some(2)),
    ("json", Func::Json, 1, Some(1)),
    ("upper", Func::Upper, 1, Some(1)),
    ("lower", Func::Lower, 1, Some(1)),
    ("title", Func::Title, 1, Some(1)),
    ("join", Func::Join, 2, Some(2)),
    ("split", Func::Split, 2, Some(2)),
    ("truncate", Func::Truncate, 2, Some(2)),
    ("pad", Func::Pad, 3, Some(3)),
    ("contains", Func::Contains, 2, Some(2)),
    ("replace", Func::Replace, 4, Some(4)),
];

impl Func {
    fn lookup(name: &str) -> Option<Func> {
        FUNCS.iter().find(|e| e.0 == name).map(|e| e.1)
    }

    fn entry(self) -> &'static (&'static str, Func, usize, Option<usize>) {
        FUNCS
            .iter()
            .find(|e| e.1 == self)
            .expect("every Func is in FUNCS")
    }

    fn name(self) -> &'static str {
        self.entry().0
    }

    fn check_arity(self, n: usize) -> Result<(), String> {
        let &(name, _, min, max) = self.entry();
        match max {
            Some(max) if n < min || n > max => Err(format!(
                "wrong number of args for {name}: want {max} got {n}"
            )),
            None if n < min => Err(format!(
                "wrong number of args for {name}: want at least {min} got {n}"
            )),
            _ => Ok(()),
        }
    }
}

struct Parser<'s> {
    src: &'s str,
    toks: Vec<Token>,
    i: usize,
    vars: Vec<String>,
    range_depth: usize,
}

enum Item {
    Node(Node),
    End,
    /// `chained`: an `if`/`with` keyword follows on the same action.
    Else {
        pos: usize,
        chained: bool,
    },
}

#[derive(Clone, Copy, PartialEq)]
enum Ctl {
    If,
    With,
    Range,
}

impl Ctl {
    fn name(self) -> &'static str {
        match self {
            Ctl::If => "if",
            Ctl::With => "with",
            Ctl::Range => "range",
        }
    }
}

fn parse_error(src: &str, pos: usize, msg: impl fmt::Display) -> TemplateError {
    let before = src.get(..pos.min(src.len())).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    let message = if line == 1 {
        format!("template: column {col}: {msg}")
    } else {
        format!("template: line {line}, column {col}: {msg}")
    };
    TemplateError { message }
}

type PResult<T> = Result<T, TemplateError>;

impl Parser<'_> {
    fn tok(&self, i: usize) -> &Token {
        &self.toks[i.min(self.toks.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let t = self.tok(self.i).clone();
        self.i += 1;
        t
    }

    fn backup(&mut self) {
        self.i -= 1;
    }

    fn peek(&self) -> &Token {
        self.tok(self.i)
    }

    fn next_non_space(&mut self) -> Token {
        loop {
            let t = self.next();
            if t.t != T::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Token {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn err(&self, pos: usize, msg: impl fmt::Display) -> TemplateError {
        parse_error(self.src, pos, msg)
    }

    fn describe(&self, tok: &Token) -> String {
        let text = self.src.get(tok.pos..tok.end).unwrap_or("");
        match &tok.t {
            T::Eof => "EOF".into(),
            T::Error(m) => m.clone(),
            T::Kw(_) | T::Dot | T::Nil => format!("<{text}>"),
            _ if text.chars().count() > 10 => {
                format!(
                    "{}...",
                    go_quote(&text.chars().take(10).collect::<String>())
                )
            }
            _ => go_quote(text),
        }
    }

    fn unexpected(&self, tok: &Token, context: &str) -> TemplateError {
        match &tok.t {
            T::Error(m) => self.err(tok.pos, m),
            _ => self.err(
                tok.pos,
                format!("unexpected {} in {context}", self.describe(tok)),
            ),
        }
    }

    fn parse_top(&mut self) -> PResult<Vec<Node>> {
        let mut nodes = Vec::new();
        while self.peek().t != T::Eof {
            let at = self.peek().pos;
            match self.text_or_action()? {
                Item::Node(n) => nodes.push(n),
                Item::End => return Err(self.err(at, "unexpected {{end}}")),
                Item::Else { pos, .. } => return Err(self.err(pos, "unexpected {{else}}")),
            }
        }
        Ok(nodes)
    }

    fn text_or_action(&mut self) -> PResult<Item> {
        let tok = self.next_non_space();
        match tok.t {
            T::Text(s) => Ok(Item::Node(Node::Text(s))),
            T::Left => self.action(),
            _ => Err(self.unexpected(&tok, "input")),
        }
    }

    fn expect_right(&mut self, context: &str) -> PResult<()> {
        let tok = self.next_non_space();
        if tok.t == T::Right {
            Ok(())
        } else {
            Err(self.unexpected(&tok, context))
        }
    }

    fn action(&mut self) -> PResult<Item> {
        let tok = self.next_non_space();
        match tok.t {
            T::Kw(Kw::Define | Kw::Template | Kw::Block) => {
                Err(self.err(tok.pos, format!("{} is not supported", self.describe(&tok))))
            }
            T::Kw(k @ (Kw::Break | Kw::Continue)) => {
                let name = if k == Kw::Break { "break" } else { "continue" };
                self.expect_right(&format!("{{{{{name}}}}}"))?;
                if self.range_depth == 0 {
                    return Err(self.err(tok.pos, format!("{{{{{name}}}}} outside {{{{range}}}}")));
                }
                Ok(Item::Node(if k == Kw::Break {
                    Node::Break
                } else {
                    Node::Continue
                }))
            }
            T::Kw(Kw::Else) => {
                let next = self.peek_non_space();
                if matches!(next.t, T::Kw(Kw::If | Kw::With)) {
                    return Ok(Item::Else {
                        pos: tok.pos,
                        chained: true,
                    });
                }
                self.expect_right("else")?;
                Ok(Item::Else {
                    pos: tok.pos,
                    chained: false,
                })
            }
            T::Kw(Kw::End) => {
                self.expect_right("end")?;
                Ok(Item::End)
            }
            T::Kw(Kw::If) => self.control(Ctl::If),
            T::Kw(Kw::With) => self.control(Ctl::With),
            T::Kw(Kw::Range) => self.control(Ctl::Range),
            _ => {
                self.backup();
                let pipe = self.pipeline("command", &T::Right)?;
                Ok(Item::Node(Node::Action(pipe)))
            }
        }
    }

    fn item_list(&mut self) -> PResult<(Vec<Node>, Item)> {
        let mut list = Vec::new();
        loop {
            let t = self.peek_non_space();
            if t.t == T::Eof {
                return Err(self.err(t.pos, "unexpected EOF"));
            }
            match self.text_or_action()? {
                Item::Node(n) => list.push(n),
                other => return Ok((list, other)),
            }
        }
    }

    fn control(&mut self, ctl: Ctl) -> PResult<Item> {
        let mark = self.vars.len();
        let pipe = self.pipeline(ctl.name(), &T::Right)?;
        if ctl == Ctl::Range {
            self.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if ctl == Ctl::Range {
            self.range_depth -= 1;
        }
        let else_list = match next {
            Item::End => None,
            Item::Else { chained: true, .. } => {
                let t = self.next_non_space();
                match (ctl, &t.t) {
                    (Ctl::If, T::Kw(Kw::If)) | (Ctl::With, T::Kw(Kw::With)) => {
                        // `{{else if x}}` is `{{else}}{{if x}}...{{end}}` sharing one end.
                        match self.control(ctl)? {
                            Item::Node(n) => Some(vec![n]),
                            _ => unreachable!("control returns a node"),
                        }
                    }
                    _ => return Err(self.unexpected(&t, "input")),
                }
            }
            Item::Else { .. } => {
                let (list, next) = self.item_list()?;
                match next {
                    Item::End => Some(list),
                    Item::Else { pos, .. } => {
                        return Err(self.err(pos, "expected end; found {{else}}"))
                    }
                    Item::Node(_) => unreachable!("item_list stops at end/else"),
                }
            }
            Item::Node(_) => unreachable!("item_list stops at end/else"),
        };
        self.vars.truncate(mark);
        let c = Box::new(Control {
            pipe,
            list,
            else_list,
        });
        Ok(Item::Node(match ctl {
            Ctl::If => Node::If(c),
            Ctl::With => Node::With(c),
            Ctl::Range => Node::Range(c),
        }))
    }

    fn pipeline(&mut self, context: &str, end: &T) -> PResult<Pipe> {
        let start = self.peek_non_space().pos;
        let mut names: Vec<(String, usize)> = Vec::new();
        let mut op: Option<bool> = None; // Some(is_assign)
        loop {
            let v = self.peek_non_space();
            let T::Var(name) = v.t else { break };
            let save = self.i;
            self.next_non_space();
            let after = self.peek_non_space();
            match after.t {
                T::Assign | T::Declare => {
                    self.next_non_space();
                    names.push((name, v.pos));
                    op = Some(after.t == T::Assign);
                    break;
                }
                T::Char(',') => {
                    self.next_non_space();
                    names.push((name, v.pos));
                    if context == "range" && names.len() < 2 {
                        if matches!(self.peek_non_space().t, T::Var(_)) {
                            continue;
                        }
                        return Err(self.err(after.pos, "range can only initialize variables"));
                    }
                    return Err(self.err(after.pos, format!("too many declarations in {context}")));
                }
                _ => {
                    self.i = save;
                    break;
                }
            }
        }
        if !names.is_empty() && op.is_none() {
            return Err(self.err(names[0].1, "range can only initialize variables"));
        }
        let is_assign = op == Some(true);
        for (n, pos) in &names {
            if is_assign {
                if !self.vars.contains(n) {
                    return Err(self.err(*pos, format!("undefined variable {n:?}")));
                }
            } else {
                self.vars.push(n.clone());
            }
        }
        let mut cmds: Vec<Cmd> = Vec::new();
        loop {
            let tok = self.next_non_space();
            if &tok.t == end {
                if cmds.is_empty() {
                    return Err(self.err(tok.pos, format!("missing value for {context}")));
                }
                for (i, c) in cmds.iter().enumerate() {
                    if i > 0 && matches!(c.args[0], Arg::Lit(_) | Arg::Dot | Arg::Nil) {
                        return Err(self.err(
                            c.span.0,
                            format!("non executable command in pipeline stage {}", i + 1),
                        ));
                    }
                    // Checked here rather than at run time so a typo'd
                    // format fails even when the list is empty.
                    if let Arg::Func(f) = &c.args[0] {
                        f.check_arity(c.args.len() - 1 + usize::from(i > 0))
                            .map_err(|m| self.err(c.span.0, m))?;
                    }
                    for a in &c.args[1..] {
                        if let Arg::Func(f) = a {
                            f.check_arity(0).map_err(|m| self.err(c.span.0, m))?;
                        }
                    }
                }
                let end_pos = self.tok(self.i.saturating_sub(2)).end.max(start);
                return Ok(Pipe {
                    span: (start, end_pos),
                    decl: names.into_iter().map(|(n, _)| n).collect(),
                    is_assign,
                    cmds,
                });
            }
            match tok.t {
                T::Bool(_)
                | T::Num(_)
                | T::Dot
                | T::Field(_)
                | T::Ident(_)
                | T::Nil
                | T::Str(_)
                | T::Var(_)
                | T::LParen => {
                    self.backup();
                    cmds.push(self.command()?);
                }
                _ => return Err(self.unexpected(&tok, context)),
            }
        }
    }

    fn command(&mut self) -> PResult<Cmd> {
        let start = self.peek_non_space().pos;
        let mut end = start;
        let mut args = Vec::new();
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                args.push(op);
                end = self.tok(self.i - 1).end;
            }
            let tok = self.next();
            match tok.t {
                T::Space => continue,
                T::Right | T::RParen => self.backup(),
                T::Pipe => {}
                _ => return Err(self.unexpected(&tok, "operand")),
            }
            break;
        }
        if args.is_empty() {
            return Err(self.err(start, "empty command"));
        }
        Ok(Cmd {
            span: (start, end),
            args,
        })
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let at = self.peek().pos;
        let Some(term) = self.term()? else {
            return Ok(None);
        };
        let mut chain = Vec::new();
        while let T::Field(f) = &self.peek().t {
            chain.push(f.clone());
            self.next();
        }
        if chain.is_empty() {
            return Ok(Some(term));
        }
        Ok(Some(match term {
            Arg::Field(mut p) => {
                p.extend(chain);
                Arg::Field(p)
            }
            Arg::Var(n, mut p) => {
                p.extend(chain);
                Arg::Var(n, p)
            }
            Arg::Lit(_) | Arg::Dot | Arg::Nil => {
                return Err(self.err(
                    at,
                    format!("unexpected . after term {:?}", term.to_string()),
                ))
            }
            other => Arg::Chain(Box::new(other), chain),
        }))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let tok = self.next_non_space();
        Ok(Some(match tok.t {
            T::Ident(name) => match Func::lookup(&name) {
                Some(f) => Arg::Func(f),
                None => return Err(self.err(tok.pos, format!("function {name:?} not defined"))),
            },
            T::Dot => Arg::Dot,
            T::Nil => Arg::Nil,
            T::Var(name) => {
                if !self.vars.contains(&name) {
                    return Err(self.err(tok.pos, format!("undefined variable {name:?}")));
                }
                Arg::Var(name, Vec::new())
            }
            T::Field(f) => Arg::Field(vec![f]),
            T::Bool(b) => Arg::Lit(Value::Bool(b)),
            T::Num(v) => Arg::Lit(v),
            T::Str(s) => Arg::Lit(Value::String(s)),
            T::LParen => Arg::Pipe(Box::new(
                self.pipeline("parenthesized pipeline", &T::RParen)?,
            )),
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

// ---------------------------------------------------------------------------
// Execution
// ---------------------------------------------------------------------------

static NULL: Value = Value::Null;
static TRUE: Value = Value::Bool(true);
static FALSE: Value = Value::Bool(false);

/// A value during execution: borrowed from the data or template where
/// possible, owned (and cheaply cloneable) when computed.
#[derive(Debug, Clone)]
enum Val<'a> {
    /// Go's invalid value: a missing map key. Prints `<no value>`.
    Missing,
    Ref(&'a Value),
    Own(Rc<Value>),
}

impl<'a> Val<'a> {
    fn value(&self) -> Option<&Value> {
        match self {
            Val::Missing => None,
            Val::Ref(v) => Some(v),
            Val::Own(v) => Some(v),
        }
    }

    fn own(v: Value) -> Val<'a> {
        Val::Own(Rc::new(v))
    }

    fn string(s: String) -> Val<'a> {
        Val::own(Value::String(s))
    }

    fn bool(b: bool) -> Val<'a> {
        Val::Ref(if b { &TRUE } else { &FALSE })
    }

    /// A sub-value; borrowed values stay borrowed.
    fn project(&self, f: impl Fn(&Value) -> Option<&Value>) -> Val<'a> {
        match self {
            Val::Ref(r) => f(r).map_or(Val::Missing, Val::Ref),
            Val::Own(rc) => f(rc).map_or(Val::Missing, |x| Val::own(x.clone())),
            Val::Missing => Val::Missing,
        }
    }

    /// Missing and explicit null both act as Go's nil in most places.
    fn non_nil(&self) -> Option<&Value> {
        self.value().filter(|v| !v.is_null())
    }
}

struct ExecErr {
    msg: String,
    span: Option<Span>,
}

impl From<String> for ExecErr {
    fn from(msg: String) -> Self {
        ExecErr { msg, span: None }
    }
}

type XResult<T> = Result<T, ExecErr>;

enum Flow {
    Normal,
    Break,
    Continue,
}

struct Exec<'a> {
    vars: Vec<(&'a str, Val<'a>)>,
    out: String,
}

fn truth(v: &Val<'_>) -> bool {
    match v.value() {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(m)) => !m.is_empty(),
    }
}

fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

fn sorted_entries(m: &Map<String, Value>) -> Vec<(&String, &Value)> {
    // Sorted explicitly: serde_json's preserve_order feature may be enabled
    // by another crate in the build.
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

impl<'a> Exec<'a> {
    fn walk_list(&mut self, dot: &Val<'a>, list: &'a [Node]) -> XResult<Flow> {
        for n in list {
            match self.walk(dot, n)? {
                Flow::Normal => {}
                f => return Ok(f),
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Val<'a>, node: &'a Node) -> XResult<Flow> {
        match node {
            Node::Text(s) => self.out.push_str(s),
            Node::Action(pipe) => {
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    match v.value() {
                        None => self.out.push_str("<no value>"),
                        Some(v) => write_value(&mut self.out, v),
                    }
                }
            }
            Node::If(c) | Node::With(c) => {
                let mark = self.vars.len();
                let v = self.eval_pipeline(dot, &c.pipe)?;
                let flow = if truth(&v) {
                    let d = if matches!(node, Node::With(_)) {
                        &v
                    } else {
                        dot
                    };
                    self.walk_list(d, &c.list)?
                } else if let Some(e) = &c.else_list {
                    self.walk_list(dot, e)?
                } else {
                    Flow::Normal
                };
                self.vars.truncate(mark);
                return Ok(flow);
            }
            Node::Range(c) => return self.walk_range(dot, c),
            Node::Break => return Ok(Flow::Break),
            Node::Continue => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn walk_range(&mut self, dot: &Val<'a>, c: &'a Control) -> XResult<Flow> {
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, &c.pipe)?;
        let inner = self.vars.len();
        let mut any = false;
        match val.value() {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) => {
                for i in 0..a.len() {
                    any = true;
                    let elem = val.project(|v| v.as_array()?.get(i));
                    if let Flow::Break = self.range_once(c, inner, Val::own(i.into()), elem)? {
                        break;
                    }
                }
            }
            Some(Value::Object(m)) => {
                let keys: Vec<String> = sorted_entries(m)
                    .into_iter()
                    .map(|(k, _)| k.clone())
                    .collect();
                for k in keys {
                    any = true;
                    let elem = val.project(|v| v.get(&k));
                    if let Flow::Break = self.range_once(c, inner, Val::string(k), elem)? {
                        break;
                    }
                }
            }
            Some(Value::Number(n)) if n.as_i64().is_some() => {
                // Go 1.22 ranges over an integer: 0..n, one variable only.
                if c.pipe.decl.len() > 1 {
                    return Err(ExecErr {
                        msg: format!("can't use {n} to iterate over more than one variable"),
                        span: Some(c.pipe.span),
                    });
                }
                for i in 0..n.as_i64().unwrap_or(0) {
                    any = true;
                    let v = Val::own(i.into());
                    if let Flow::Break = self.range_once(c, inner, v.clone(), v)? {
                        break;
                    }
                }
            }
            Some(other) => {
                let mut s = String::new();
                write_value(&mut s, other);
                return Err(ExecErr {
                    msg: format!("range can't iterate over {s}"),
                    span: Some(c.pipe.span),
                });
            }
        }
        let mut flow = Flow::Normal;
        if !any {
            if let Some(e) = &c.else_list {
                flow = self.walk_list(dot, e)?;
            }
        }
        self.vars.truncate(mark);
        Ok(flow)
    }

    fn range_once(
        &mut self,
        c: &'a Control,
        inner: usize,
        key: Val<'a>,
        elem: Val<'a>,
    ) -> XResult<Flow> {
        let decl = &c.pipe.decl;
        match (decl.len(), c.pipe.is_assign) {
            (0, _) => {}
            (1, true) => self.set_var(&decl[0], elem.clone())?,
            (_, true) => {
                self.set_var(&decl[0], key)?;
                self.set_var(&decl[1], elem.clone())?;
            }
            // The pipeline pushed the declared variables just below `inner`.
            (1, false) => self.vars[inner - 1].1 = elem.clone(),
            (_, false) => {
                self.vars[inner - 2].1 = key;
                self.vars[inner - 1].1 = elem.clone();
            }
        }
        let flow = self.walk_list(&elem, &c.list)?;
        self.vars.truncate(inner);
        Ok(flow)
    }

    fn set_var(&mut self, name: &str, v: Val<'a>) -> XResult<()> {
        match self.vars.iter_mut().rev().find(|(n, _)| *n == name) {
            Some(slot) => {
                slot.1 = v;
                Ok(())
            }
            None => Err(format!("undefined variable: {name}").into()),
        }
    }

    fn var(&self, name: &str) -> XResult<Val<'a>> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("undefined variable: {name}").into())
    }

    fn eval_pipeline(&mut self, dot: &Val<'a>, pipe: &'a Pipe) -> XResult<Val<'a>> {
        let mut value: Option<Val<'a>> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take()).map_err(|mut e| {
                e.span.get_or_insert(cmd.span);
                e
            })?;
            value = Some(v);
        }
        let v = value.unwrap_or(Val::Missing);
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, v.clone())?;
            } else {
                self.vars.push((name, v.clone()));
            }
        }
        Ok(v)
    }

    fn eval_command(
        &mut self,
        dot: &Val<'a>,
        cmd: &'a Cmd,
        fin: Option<Val<'a>>,
    ) -> XResult<Val<'a>> {
        let first = &cmd.args[0];
        let rest = &cmd.args[1..];
        let has_args = !rest.is_empty() || fin.is_some();
        let not_func = || -> XResult<()> {
            if has_args {
                Err(format!("can't give argument to non-function {first}").into())
            } else {
                Ok(())
            }
        };
        match first {
            Arg::Field(path) => field_chain(dot.clone(), path, has_args),
            Arg::Chain(base, path) => {
                let b = self.eval_arg(dot, base)?;
                field_chain(b, path, has_args)
            }
            Arg::Var(name, path) => {
                let v = self.var(name)?;
                if path.is_empty() {
                    not_func()?;
                    Ok(v)
                } else {
                    field_chain(v, path, has_args)
                }
            }
            Arg::Func(f) => self.call(dot, *f, rest, fin),
            Arg::Pipe(p) => {
                not_func()?;
                self.eval_pipeline(dot, p)
            }
            Arg::Dot => {
                not_func()?;
                Ok(dot.clone())
            }
            Arg::Nil => Err("nil is not a command".to_string().into()),
            Arg::Lit(v) => {
                not_func()?;
                Ok(Val::Ref(v))
            }
        }
    }

    fn eval_arg(&mut self, dot: &Val<'a>, arg: &'a Arg) -> XResult<Val<'a>> {
        match arg {
            Arg::Dot => Ok(dot.clone()),
            Arg::Nil => Ok(Val::Ref(&NULL)),
            Arg::Lit(v) => Ok(Val::Ref(v)),
            Arg::Field(p) => field_chain(dot.clone(), p, false),
            Arg::Var(n, p) => field_chain(self.var(n)?, p, false),
            Arg::Chain(b, p) => {
                if matches!(**b, Arg::Nil) {
                    return Err(format!("indirection through explicit nil in {arg}").into());
                }
                let base = self.eval_arg(dot, b)?;
                field_chain(base, p, false)
            }
            Arg::Pipe(p) => self.eval_pipeline(dot, p),
            Arg::Func(f) => self.call(dot, *f, &[], None),
        }
    }

    fn call(
        &mut self,
        dot: &Val<'a>,
        f: Func,
        args: &'a [Arg],
        fin: Option<Val<'a>>,
    ) -> XResult<Val<'a>> {
        f.check_arity(args.len() + usize::from(fin.is_some()))?;
        if matches!(f, Func::And | Func::Or) {
            // Short-circuit: stop at the first value that decides the result.
            let stop_on = f == Func::Or;
            let mut last = Val::Missing;
            for a in args {
                let v = self.eval_arg(dot, a)?;
                if truth(&v) == stop_on {
                    return Ok(v);
                }
                last = v;
            }
            return Ok(fin.unwrap_or(last));
        }
        let mut vals = Vec::with_capacity(args.len() + 1);
        for a in args {
            vals.push(self.eval_arg(dot, a)?);
        }
        vals.extend(fin);
        builtin(f, &vals).map_err(ExecErr::from)
    }
}

fn field_chain<'a>(recv: Val<'a>, path: &[String], has_args: bool) -> XResult<Val<'a>> {
    let mut cur = recv;
    for (i, name) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        cur = match cur.value() {
            None => return Ok(Val::Missing),
            Some(Value::Object(_)) => {
                if last && has_args {
                    return Err(format!("{name} is not a method but has arguments").into());
                }
                cur.project(|v| v.get(name))
            }
            Some(Value::Null) => {
                return Err(format!("nil pointer evaluating interface {{}}.{name}").into())
            }
            Some(other) => {
                return Err(
                    format!("can't evaluate field {name} in type {}", go_type(other)).into(),
                )
            }
        };
    }
    Ok(cur)
}

// ---------------------------------------------------------------------------
// Built-in functions
// ---------------------------------------------------------------------------

fn str_arg<'v>(v: &'v Val<'_>) -> Result<&'v str, String> {
    match v.value() {
        Some(Value::String(s)) => Ok(s),
        None => Err("invalid value; expected string".into()),
        Some(other) => Err(format!(
            "wrong type for value; expected string; got {}",
            go_type(other)
        )),
    }
}

fn int_arg(v: &Val<'_>) -> Result<i64, String> {
    match v.value() {
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64().unwrap_or(0)),
        None => Err("invalid value; expected int".into()),
        Some(other) => Err(format!(
            "wrong type for value; expected int; got {}",
            go_type(other)
        )),
    }
}

fn builtin<'a>(f: Func, a: &[Val<'a>]) -> Result<Val<'a>, String> {
    let name = f.name();
    let call_err = |m: String| format!("error calling {name}: {m}");
    Ok(match f {
        // Handled lazily by the caller; kept total for safety.
        Func::And | Func::Or => a.last().cloned().unwrap_or(Val::Missing),
        Func::Not => Val::bool(!truth(&a[0])),
        Func::Len => {
            let n = match a[0].value() {
                Some(Value::String(s)) => s.len(),
                Some(Value::Array(v)) => v.len(),
                Some(Value::Object(m)) => m.len(),
                None | Some(Value::Null) => return Err(call_err("len of nil pointer".into())),
                Some(other) => return Err(call_err(format!("len of type {}", go_type(other)))),
            };
            Val::own(n.into())
        }
        Func::Index => index(&a[0], &a[1..]).map_err(call_err)?,
        Func::Slice => slice(&a[0], &a[1..]).map_err(call_err)?,
        Func::Print => {
            let mut s = String::new();
            let mut prev_str = false;
            for (i, v) in a.iter().enumerate() {
                let is_str = matches!(v.value(), Some(Value::String(_)));
                if i > 0 && !is_str && !prev_str {
                    s.push(' ');
                }
                write_arg(&mut s, v);
                prev_str = is_str;
            }
            Val::string(s)
        }
        Func::Println => {
            let mut s = String::new();
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                write_arg(&mut s, v);
            }
            s.push('\n');
            Val::string(s)
        }
        Func::Printf => Val::string(sprintf(str_arg(&a[0])?, &a[1..])),
        Func::Eq => {
            let mut r = false;
            for b in &a[1..] {
                if eq(&a[0], b).map_err(call_err)? {
                    r = true;
                    break;
                }
            }
            Val::bool(r)
        }
        Func::Ne => Val::bool(!eq(&a[0], &a[1]).map_err(call_err)?),
        Func::Lt => Val::bool(lt(&a[0], &a[1]).map_err(call_err)?),
        Func::Le => {
            Val::bool(lt(&a[0], &a[1]).map_err(call_err)? || eq(&a[0], &a[1]).map_err(call_err)?)
        }
        Func::Gt => {
            Val::bool(!(lt(&a[0], &a[1]).map_err(call_err)? || eq(&a[0], &a[1]).map_err(call_err)?))
        }
        Func::Ge => Val::bool(!lt(&a[0], &a[1]).map_err(call_err)?),
        Func::Json => {
            let mut s = String::new();
            write_json(&mut s, a[0].value().unwrap_or(&NULL));
            Val::string(s)
        }
        Func::Upper => Val::string(str_arg(&a[0])?.to_uppercase()),
        Func::Lower => Val::string(str_arg(&a[0])?.to_lowercase()),
        Func::Title => Val::string(title(str_arg(&a[0])?)),
        Func::Join => {
            let sep = str_arg(&a[1])?;
            let mut s = String::new();
            match a[0].value() {
                Some(Value::Array(items)) => {
                    for (i, v) in items.iter().enumerate() {
                        if i > 0 {
                            s.push_str(sep);
                        }
                        write_value(&mut s, v);
                    }
                }
                None | Some(Value::Null) => {}
                Some(other) => {
                    return Err(format!(
                        "wrong type for value; expected []string; got {}",
                        go_type(other)
                    ))
                }
            }
            Val::string(s)
        }
        Func::Split => {
            let (s, sep) = (str_arg(&a[0])?, str_arg(&a[1])?);
            // strings.Split: an empty separator splits into characters.
            let parts: Vec<Value> = if sep.is_empty() {
                s.chars().map(|c| Value::String(c.to_string())).collect()
            } else {
                s.split(sep).map(|p| Value::String(p.to_string())).collect()
            };
            Val::own(Value::Array(parts))
        }
        Func::Truncate => {
            let s = str_arg(&a[0])?;
            let n =
                usize::try_from(int_arg(&a[1])?).map_err(|_| call_err("negative length".into()))?;
            Val::string(s.chars().take(n).collect())
        }
        Func::Pad => {
            let s = str_arg(&a[0])?;
            let pre = usize::try_from(int_arg(&a[1])?).unwrap_or(0);
            let post = usize::try_from(int_arg(&a[2])?).unwrap_or(0);
            Val::string(format!("{}{s}{}", " ".repeat(pre), " ".repeat(post)))
        }
        Func::Contains => Val::bool(str_arg(&a[0])?.contains(str_arg(&a[1])?)),
        Func::Replace => {
            let (s, old, new) = (str_arg(&a[0])?, str_arg(&a[1])?, str_arg(&a[2])?);
            let n = int_arg(&a[3])?;
            Val::string(if n < 0 {
                s.replace(old, new)
            } else {
                s.replacen(old, new, n as usize)
            })
        }
    })
}

/// An argument as fmt.Sprint shows it: Go passes a missing value as nil.
fn write_arg(out: &mut String, v: &Val<'_>) {
    write_value(out, v.value().unwrap_or(&NULL));
}

fn index<'a>(item: &Val<'a>, idx: &[Val<'a>]) -> Result<Val<'a>, String> {
    let mut cur = item.clone();
    for ix in idx {
        let next = match cur.non_nil() {
            None => return Err("index of untyped nil".into()),
            Some(Value::Array(arr)) => {
                let i = index_int(ix, "slice/array")?;
                if i < 0 || i as usize >= arr.len() {
                    return Err(format!("index out of range: {i}"));
                }
                cur.project(|v| v.as_array()?.get(i as usize))
            }
            Some(Value::Object(_)) => match ix.value() {
                Some(Value::String(k)) => cur.project(|v| v.get(k.as_str())),
                Some(other) => {
                    return Err(format!(
                        "value has type {}; should be string",
                        go_type(other)
                    ))
                }
                None => return Err("value is nil; should be string".into()),
            },
            Some(Value::String(s)) => {
                let i = index_int(ix, "string")?;
                match usize::try_from(i).ok().and_then(|i| s.as_bytes().get(i)) {
                    Some(b) => Val::own((*b).into()),
                    None => return Err(format!("index out of range: {i}")),
                }
            }
            Some(other) => return Err(format!("can't index item of type {}", go_type(other))),
        };
        cur = next;
    }
    Ok(cur)
}

fn index_int(v: &Val<'_>, what: &str) -> Result<i64, String> {
    match v.value() {
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64().unwrap_or(0)),
        Some(Value::Number(n)) if n.is_u64() => Ok(i64::MAX),
        Some(other) => Err(format!("cannot index {what} with type {}", go_type(other))),
        None => Err(format!("cannot index {what} with nil")),
    }
}

fn slice<'a>(item: &Val<'a>, idx: &[Val<'a>]) -> Result<Val<'a>, String> {
    let len = match item.non_nil() {
        None => return Err("slice of untyped nil".into()),
        Some(Value::String(s)) => {
            if idx.len() > 2 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Some(Value::Array(a)) => {
            if idx.len() > 3 {
                return Err(format!("too many slice indexes: {}", idx.len()));
            }
            a.len()
        }
        Some(other) => return Err(format!("can't slice item of type {}", go_type(other))),
    };
    let mut bounds = [0usize, len];
    for (k, ix) in idx.iter().take(2).enumerate() {
        let i = index_int(ix, "slice")?;
        if i < 0 || i as usize > len {
            return Err(format!("index out of range: {i}"));
        }
        bounds[k] = i as usize;
    }
    if bounds[0] > bounds[1] {
        return Err(format!(
            "invalid slice index: {} > {}",
            bounds[0], bounds[1]
        ));
    }
    Ok(match item.non_nil() {
        Some(Value::String(s)) => match s.get(bounds[0]..bounds[1]) {
            Some(sub) => Val::string(sub.to_string()),
            None => return Err("slice splits a UTF-8 character".into()),
        },
        Some(Value::Array(a)) => Val::own(Value::Array(a[bounds[0]..bounds[1]].to_vec())),
        _ => Val::Missing,
    })
}

fn num_cmp(a: &Number, b: &Number) -> Option<Ordering> {
    let int = |n: &Number| n.as_i64().map(i128::from).or(n.as_u64().map(i128::from));
    match (int(a), int(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

// Go's eq: nil only equals nil; integers and floats compare by value (Go
// would refuse int vs float, but JSON can't tell them apart reliably).
fn eq(a: &Val<'_>, b: &Val<'_>) -> Result<bool, String> {
    match (a.non_nil(), b.non_nil()) {
        (None, None) => Ok(true),
        (None, _) | (_, None) => Ok(false),
        (Some(x), Some(y)) => match (x, y) {
            (Value::Bool(p), Value::Bool(q)) => Ok(p == q),
            (Value::String(p), Value::String(q)) => Ok(p == q),
            (Value::Number(p), Value::Number(q)) => Ok(num_cmp(p, q) == Some(Ordering::Equal)),
            (Value::Array(_) | Value::Object(_), _) => {
                Err(format!("non-comparable type {}", go_type(x)))
            }
            (_, Value::Array(_) | Value::Object(_)) => {
                Err(format!("non-comparable type {}", go_type(y)))
            }
            _ => Err("incompatible types for comparison".into()),
        },
    }
}

fn lt(a: &Val<'_>, b: &Val<'_>) -> Result<bool, String> {
    fn basic(v: Option<&Value>) -> Result<&Value, String> {
        match v {
            Some(v @ (Value::String(_) | Value::Number(_))) => Ok(v),
            _ => Err("invalid type for comparison".to_string()),
        }
    }
    match (basic(a.value())?, basic(b.value())?) {
        (Value::String(p), Value::String(q)) => Ok(p < q),
        (Value::Number(p), Value::Number(q)) => Ok(num_cmp(p, q) == Some(Ordering::Less)),
        _ => Err("incompatible types for comparison".into()),
    }
}

/// strings.Title: upper-case the first letter of each word.
fn title(s: &str) -> String {
    let is_sep = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else {
            !(c.is_alphabetic() || c.is_numeric()) && c.is_whitespace()
        }
    };
    let mut out = String::with_capacity(s.len());
    let mut prev = ' ';
    for c in s.chars() {
        if is_sep(prev) {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

// ---------------------------------------------------------------------------
// Value formatting (Go fmt %v and encoding/json)
// ---------------------------------------------------------------------------

/// Go's `%v` of the value a JSON document decodes to.
fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => out.push_str(s),
        Value::Array(a) => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(out, e);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push_str("map[");
            for (i, (k, e)) in sorted_entries(m).into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_value(out, e);
            }
            out.push(']');
        }
    }
}

fn write_number(out: &mut String, n: &Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else {
        let f = n.as_f64().unwrap_or(0.0);
        if f.is_sign_negative() {
            out.push('-');
        }
        out.push_str(&fmt_g(f.abs(), None, false));
    }
}

/// Decimal digits (no trailing zeros beyond the first) and exponent of
/// `d.ddd × 10^exp`, from Rust's exponent formatting (shortest or rounded).
fn float_digits(abs: f64, after_point: Option<usize>) -> (Vec<u8>, i32) {
    let s = match after_point {
        None => format!("{abs:e}"),
        Some(p) => format!("{abs:.p$e}"),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

fn fmt_e(digits: &[u8], exp: i32, frac: usize, upper: bool) -> String {
    let mut s = String::new();
    s.push(digits.first().copied().unwrap_or(b'0') as char);
    if frac > 0 {
        s.push('.');
        for i in 1..=frac {
            s.push(digits.get(i).copied().unwrap_or(b'0') as char);
        }
    }
    s.push(if upper { 'E' } else { 'e' });
    s.push(if exp < 0 { '-' } else { '+' });
    let _ = write!(s, "{:02}", exp.unsigned_abs());
    s
}

fn fmt_f(digits: &[u8], exp: i32, frac: usize) -> String {
    let dp = exp + 1;
    let digit = |i: i32| {
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.get(i))
            .copied()
            .unwrap_or(b'0') as char
    };
    let mut s = String::new();
    if dp <= 0 {
        s.push('0');
    } else {
        (0..dp).for_each(|i| s.push(digit(i)));
    }
    if frac > 0 {
        s.push('.');
        (0..frac as i32).for_each(|j| s.push(digit(dp + j)));
    }
    s
}

/// strconv.FormatFloat(abs, 'g', prec) — shortest when `prec` is None.
fn fmt_g(abs: f64, prec: Option<usize>, upper: bool) -> String {
    let (mut digits, exp) = float_digits(abs, prec.map(|p| p.max(1) - 1));
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let eprec = match prec {
        None => 6,
        Some(p) => {
            let p = p.max(1) as i32;
            if p > nd && nd >= dp {
                nd
            } else {
                p
            }
        }
    };
    if exp < -4 || exp >= eprec {
        fmt_e(&digits, exp, (nd - 1) as usize, upper)
    } else {
        fmt_f(&digits, exp, (nd - dp).max(0) as usize)
    }
}

/// encoding/json's float format.
fn json_float(f: f64) -> String {
    let abs = f.abs();
    let (mut digits, exp) = float_digits(abs, None);
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    let nd = digits.len() as i32;
    let mut s = if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let mut e = fmt_e(&digits, exp, (nd - 1) as usize, false);
        // Go trims e-07 to e-7.
        if let Some(p) = e.find("e-0") {
            e.remove(p + 2);
        }
        e
    } else {
        fmt_f(&digits, exp, (nd - exp - 1).max(0) as usize)
    };
    if f.is_sign_negative() && f != 0.0 {
        s.insert(0, '-');
    }
    s
}

/// Compact JSON like Go's encoder with HTML escaping off (as Podman's `json`).
fn write_json(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_f64() {
                out.push_str(&json_float(n.as_f64().unwrap_or(0.0)));
            } else {
                write_number(out, n);
            }
        }
        Value::String(s) => json_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, e);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, e)) in sorted_entries(m).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_str(out, k);
                out.push(':');
                write_json(out, e);
            }
            out.push('}');
        }
    }
}

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// strconv.Quote
fn go_quote(s: &str) -> String {
    quote_with(s, '"')
}

fn quote_with(s: &str, q: char) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                if (c as u32) <= 0xffff {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                } else {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

// ---------------------------------------------------------------------------
// printf
// ---------------------------------------------------------------------------

#[derive(Default, Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// Go's fmt takes no width or precision past a million ("crazy long
/// number"): it would only allocate that much padding.
const MAX_WIDTH: i64 = 1_000_000;

/// A width or precision written in the format, read as Go's `parsenum`
/// does: `Err` for a number too large (checked before each digit).
fn read_num(it: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Option<usize>, ()> {
    let mut n: Option<usize> = None;
    while let Some(d) = it.peek().and_then(|c| c.to_digit(10)) {
        let so_far = n.unwrap_or(0);
        if so_far > MAX_WIDTH as usize {
            return Err(());
        }
        n = Some(so_far * 10 + d as usize);
        it.next();
    }
    Ok(n)
}

/// A subset of Go's fmt.Sprintf, including its in-band error notation
/// (`%!d(string=x)`, `%!s(MISSING)`, `%!(EXTRA ...)`).
fn sprintf(format: &str, args: &[Val<'_>]) -> String {
    let mut out = String::with_capacity(format.len() + 16);
    let mut it = format.chars().peekable();
    let mut argn = 0;
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut sp = Spec::default();
        while let Some(&f) = it.peek() {
            match f {
                '-' => {
                    sp.minus = true;
                    sp.zero = false;
                }
                '+' => sp.plus = true,
                '#' => sp.sharp = true,
                ' ' => sp.space = true,
                '0' => sp.zero = !sp.minus,
                _ => break,
            }
            it.next();
        }
        if it.peek() == Some(&'*') {
            it.next();
            match args.get(argn).map(int_arg) {
                Some(Ok(w)) if w.unsigned_abs() <= MAX_WIDTH as u64 => {
                    if w < 0 {
                        sp.minus = true;
                        sp.zero = false;
                    }
                    sp.width = Some(w.unsigned_abs() as usize);
                }
                _ => out.push_str("%!(BADWIDTH)"),
            }
            argn += 1;
        } else {
            let Ok(width) = read_num(&mut it) else {
                // Go drops the rest of the format after a number too large.
                out.push_str("%!(NOVERB)");
                break;
            };
            sp.width = width;
        }
        if it.peek() == Some(&'.') {
            it.next();
            if it.peek() == Some(&'*') {
                it.next();
                match args.get(argn).map(int_arg) {
                    Some(Ok(p)) if (0..=MAX_WIDTH).contains(&p) => sp.prec = Some(p as usize),
                    _ => out.push_str("%!(BADPREC)"),
                }
                argn += 1;
            } else {
                let Ok(prec) = read_num(&mut it) else {
                    out.push_str("%!(NOVERB)");
                    break;
                };
                sp.prec = Some(prec.unwrap_or(0));
            }
        }
        let Some(verb) = it.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        match args.get(argn) {
            None => {
                let _ = write!(out, "%!{verb}(MISSING)");
            }
            Some(a) => {
                argn += 1;
                fmt_arg(&mut out, a.value(), verb, &sp, false);
            }
        }
    }
    if argn < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, a) in args[argn..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match a.non_nil() {
                None => out.push_str("<nil>"),
                Some(v) => {
                    out.push_str(go_type(v));
                    out.push('=');
                    write_value(&mut out, v);
                }
            }
        }
        out.push(')');
    }
    out
}

fn pad(out: &mut String, s: &str, sp: &Spec) {
    let n = s.chars().count();
    let fill = sp.width.unwrap_or(0).saturating_sub(n);
    if sp.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', fill));
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(s);
    }
}

fn bad_verb(out: &mut String, verb: char, v: &Value) {
    let _ = write!(out, "%!{verb}({}=", go_type(v));
    write_value(out, v);
    out.push(')');
}

fn fmt_arg(out: &mut String, v: Option<&Value>, verb: char, sp: &Spec, nested: bool) {
    match v {
        None | Some(Value::Null) => {
            // Inside containers Go prints a nil element as <nil> for any verb.
            if verb == 'v' || nested {
                pad(out, "<nil>", sp)
            } else {
                let _ = write!(out, "%!{verb}(<nil>)");
            }
        }
        Some(v @ Value::Bool(b)) => match verb {
            't' | 'v' => pad(out, if *b { "true" } else { "false" }, sp),
            _ => bad_verb(out, verb, v),
        },
        Some(v @ Value::Number(n)) => {
            let int = n.as_i64().map(i128::from).or(n.as_u64().map(i128::from));
            match int {
                Some(i) => fmt_int(out, i, verb, sp, v),
                None => fmt_float(out, n.as_f64().unwrap_or(0.0), verb, sp, v),
            }
        }
        Some(v @ Value::String(s)) => fmt_str(out, s, verb, sp, v),
        Some(Value::Array(a)) => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                fmt_arg(out, Some(e), verb, sp, true);
            }
            out.push(']');
        }
        Some(Value::Object(m)) => {
            out.push_str("map[");
            for (i, (k, e)) in sorted_entries(m).into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                fmt_str(out, k, verb, sp, &Value::String(k.clone()));
                out.push(':');
                fmt_arg(out, Some(e), verb, sp, true);
            }
            out.push(']');
        }
    }
}

fn sign_of(neg: bool, sp: &Spec) -> &'static str {
    if neg {
        "-"
    } else if sp.plus {
        "+"
    } else if sp.space {
        " "
    } else {
        ""
    }
}

fn fmt_int(out: &mut String, i: i128, verb: char, sp: &Spec, orig: &Value) {
    let abs = i.unsigned_abs();
    let (mut digits, prefix) = match verb {
        'd' | 'v' => (abs.to_string(), ""),
        'b' => (format!("{abs:b}"), if sp.sharp { "0b" } else { "" }),
        'o' => (format!("{abs:o}"), if sp.sharp { "0" } else { "" }),
        'O' => (format!("{abs:o}"), "0o"),
        'x' => (format!("{abs:x}"), if sp.sharp { "0x" } else { "" }),
        'X' => (format!("{abs:X}"), if sp.sharp { "0X" } else { "" }),
        'c' => {
            let c = u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{FFFD}');
            return pad(out, &c.to_string(), sp);
        }
        'q' => {
            let c = u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{FFFD}');
            return pad(out, &quote_with(&c.to_string(), '\''), sp);
        }
        'U' => return pad(out, &format!("U+{abs:04X}"), sp),
        _ => return bad_verb(out, verb, orig),
    };
    let neg = i < 0;
    if let Some(p) = sp.prec {
        if p == 0 && i == 0 {
            digits.clear();
        }
        while digits.len() < p {
            digits.insert(0, '0');
        }
    } else if sp.zero && !sp.minus {
        // Go zero-fills the digits to the width, leaving room for a sign only.
        let mut w = sp.width.unwrap_or(0);
        if neg || sp.plus || sp.space {
            w = w.saturating_sub(1);
        }
        while digits.len() < w {
            digits.insert(0, '0');
        }
    }
    pad(out, &format!("{}{prefix}{digits}", sign_of(neg, sp)), sp);
}

fn fmt_float(out: &mut String, f: f64, verb: char, sp: &Spec, orig: &Value) {
    let abs = f.abs();
    let body = match verb {
        'v' | 'g' | 'G' => fmt_g(abs, sp.prec, verb == 'G'),
        'f' | 'F' => format!("{abs:.*}", sp.prec.unwrap_or(6)),
        'e' | 'E' => {
            let p = sp.prec.unwrap_or(6);
            let (d, e) = float_digits(abs, Some(p));
            fmt_e(&d, e, p, verb == 'E')
        }
        _ => return bad_verb(out, verb, orig),
    };
    let sign = sign_of(f.is_sign_negative(), sp);
    let mut s = format!("{sign}{body}");
    if sp.zero && !sp.minus {
        let w = sp.width.unwrap_or(0);
        while s.chars().count() < w {
            s.insert(sign.len(), '0');
        }
    }
    pad(out, &s, sp);
}

fn fmt_str(out: &mut String, s: &str, verb: char, sp: &Spec, orig: &Value) {
    let limited: &str = match sp.prec {
        Some(p) => s.char_indices().nth(p).map_or(s, |(i, _)| &s[..i]),
        None => s,
    };
    match verb {
        's' | 'v' => pad(out, limited, sp),
        'q' => pad(out, &go_quote(limited), sp),
        'x' | 'X' => {
            let mut h = String::from(if sp.sharp {
                if verb == 'x' {
                    "0x"
                } else {
                    "0X"
                }
            } else {
                ""
            });
            let bytes = match sp.prec {
                Some(p) => &s.as_bytes()[..p.min(s.len())],
                None => s.as_bytes(),
            };
            for b in bytes {
                let _ = if verb == 'x' {
                    write!(h, "{b:02x}")
                } else {
                    write!(h, "{b:02X}")
                };
            }
            pad(out, &h, sp)
        }
        _ => bad_verb(out, verb, orig),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(t: &str, data: &Value) -> String {
        Template::parse(t)
            .unwrap_or_else(|e| panic!("parse {t:?}: {e}"))
            .execute(data)
            .unwrap_or_else(|e| panic!("execute {t:?}: {e}"))
    }

    fn parse_err(t: &str) -> String {
        match Template::parse(t) {
            Ok(_) => panic!("{t:?} parsed"),
            Err(e) => e.message,
        }
    }

    fn exec_err(t: &str, data: &Value) -> String {
        match Template::parse(t).unwrap().execute(data) {
            Ok(s) => panic!("{t:?} gave {s:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn data() -> Value {
        json!({
            "ID": "abc123",
            "Repository": "docker.io/library/alpine",
            "Tag": "latest",
            "Size": 7340032,
            "Ratio": 1.5,
            "Names": ["web", "db"],
            "Empty": [],
            "Nothing": null,
            "Zero": 0,
            "State": {"Running": true, "Status": "running", "Pid": 42},
            "Config": {
                "Env": ["PATH=/usr/bin", "TERM=xterm"],
                "Labels": {"maintainer": "me <me@x.org>", "b": "2", "a": "1"}
            },
            "Mounts": [
                {"Source": "/src", "Destination": "/dst"},
                {"Source": "/data", "Destination": "/var/data"}
            ]
        })
    }

    #[test]
    fn plain_text_and_fields() {
        let d = data();
        assert_eq!(run("hello", &d), "hello");
        assert_eq!(run("", &d), "");
        assert_eq!(run("{{.ID}}", &d), "abc123");
        assert_eq!(
            run("{{.Repository}}:{{.Tag}}", &d),
            "docker.io/library/alpine:latest"
        );
        assert_eq!(run("{{.State.Running}} {{.State.Pid}}", &d), "true 42");
        assert_eq!(run("{{ .ID }}", &d), "abc123");
        assert_eq!(run("a}}b", &d), "a}}b");
    }

    #[test]
    fn missing_and_null() {
        let d = data();
        assert_eq!(run("{{.Nope}}", &d), "<no value>");
        assert_eq!(run("{{.Nope.Deeper}}", &d), "<no value>");
        assert_eq!(run("{{.Nothing}}", &d), "<nil>");
        assert_eq!(run("{{print .Nope}}", &d), "<nil>");
        assert_eq!(run("{{.}}", &json!(null)), "<nil>");
    }

    #[test]
    fn go_value_printing() {
        let d = data();
        assert_eq!(run("{{.Names}}", &d), "[web db]");
        assert_eq!(run("{{.Empty}}", &d), "[]");
        assert_eq!(
            run("{{.Config.Labels}}", &d),
            "map[a:1 b:2 maintainer:me <me@x.org>]"
        );
        assert_eq!(
            run("{{.}}", &json!({"a": [1, null, {"b": true}]})),
            "map[a:[1 <nil> map[b:true]]]"
        );
        assert_eq!(run("{{.Size}} {{.Ratio}}", &d), "7340032 1.5");
        let floats = json!([1.0, 1000000.0, 1234567.0, 123456.0, 0.0001, 0.00001, -2.5, 1e21, 0.1]);
        assert_eq!(
            run("{{.}}", &floats),
            "[1 1e+06 1.234567e+06 123456 0.0001 1e-05 -2.5 1e+21 0.1]"
        );
        assert_eq!(run("{{.}}", &json!(u64::MAX)), "18446744073709551615");
        assert_eq!(run("{{.}}", &json!(-7)), "-7");
    }

    #[test]
    fn literals() {
        let d = json!({});
        assert_eq!(
            run(r#"{{"a\tb\n\"q\"\x41\u00e9\101"}}"#, &d),
            "a\tb\n\"q\"Aé A".replace(' ', "")
        );
        assert_eq!(run("{{`raw\\n`}}", &d), "raw\\n");
        assert_eq!(
            run(
                "{{42}} {{-3}} {{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}}",
                &d
            ),
            "42 -3 31 15 15 5 1000"
        );
        assert_eq!(run("{{1.5}} {{.5}} {{1e3}} {{2.0}}", &d), "1.5 0.5 1000 2");
        assert_eq!(run("{{'a'}} {{'\\n'}}", &d), "97 10");
        assert_eq!(run("{{true}} {{false}}", &d), "true false");
        assert_eq!(run("{{print nil}}", &d), "<nil>");
    }

    #[test]
    fn trim_markers_and_comments() {
        let d = data();
        assert_eq!(run("a  {{- .ID -}}  \n b", &d), "aabc123b");
        assert_eq!(run("a {{- .ID}} b", &d), "aabc123 b");
        assert_eq!(run("a {{.ID -}} \n\t b", &d), "a abc123b");
        assert_eq!(run("x{{/* comment */}}y", &d), "xy");
        assert_eq!(run("x {{- /* c */ -}} y", &d), "xy");
        assert_eq!(run("{{-3}}", &d), "-3");
        assert_eq!(run("{{.ID  -}} z", &d), "abc123z");
        assert_eq!(run("{{range .Names -}}\n  {{.}}\n{{- end}}", &d), "webdb");
    }

    #[test]
    fn variables() {
        let d = data();
        assert_eq!(run("{{$x := .ID}}{{$x}}", &d), "abc123");
        assert_eq!(run("{{$x := 1}}{{$x = 2}}{{$x}}", &d), "2");
        assert_eq!(
            run("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", &d),
            "2"
        );
        assert_eq!(
            run("{{with .State}}{{$.ID}} {{.Status}}{{end}}", &d),
            "abc123 running"
        );
        assert_eq!(run("{{$.State.Pid}}", &d), "42");
        assert_eq!(run("{{$s := .State}}{{$s.Status}}", &d), "running");
        assert_eq!(run("{{$}}", &json!("root")), "root");
        assert!(
            parse_err("{{if true}}{{$y := 1}}{{end}}{{$y}}").contains("undefined variable \"$y\"")
        );
        assert!(parse_err("{{$nope}}").contains("undefined variable \"$nope\""));
        assert!(parse_err("{{$nope = 1}}").contains("undefined variable \"$nope\""));
    }

    #[test]
    fn range_forms() {
        let d = data();
        assert_eq!(
            run("{{range .Mounts}}{{.Source}} {{end}}", &d),
            "/src /data "
        );
        assert_eq!(
            run("{{range $i, $e := .Names}}{{$i}}={{$e}};{{end}}", &d),
            "0=web;1=db;"
        );
        assert_eq!(run("{{range $e := .Names}}{{$e}}{{end}}", &d), "webdb");
        assert_eq!(
            run(
                "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}",
                &d
            ),
            "a=1 b=2 maintainer=me <me@x.org> "
        );
        assert_eq!(
            run("{{range .Config.Labels}}{{.}},{{end}}", &d),
            "1,2,me <me@x.org>,"
        );
        assert_eq!(run("{{range .Empty}}x{{else}}none{{end}}", &d), "none");
        assert_eq!(run("{{range .Nothing}}x{{else}}nil{{end}}", &d), "nil");
        assert_eq!(
            run("{{range .Missing}}x{{else}}missing{{end}}", &d),
            "missing"
        );
        assert_eq!(
            run(
                "{{range .Names}}{{if eq . \"db\"}}{{break}}{{end}}{{.}}{{end}}",
                &d
            ),
            "web"
        );
        assert_eq!(
            run(
                "{{range .Names}}{{if eq . \"web\"}}{{continue}}{{end}}{{.}}{{end}}",
                &d
            ),
            "db"
        );
        assert_eq!(run("{{range 3}}{{.}}{{end}}", &d), "012");
        assert_eq!(
            run("{{$i := 9}}{{range $i = .Names}}{{end}}{{$i}}", &d),
            "db"
        );
        assert_eq!(
            run("{{range .Mounts}}{{$src := .Source}}{{$src}}{{end}}", &d),
            "/src/data"
        );
        assert_eq!(
            run(
                "{{range $m := .Mounts}}{{range $.Names}}{{$m.Source}}:{{.}} {{end}}{{end}}",
                &d
            ),
            "/src:web /src:db /data:web /data:db "
        );
        assert!(exec_err("{{range .ID}}{{end}}", &d).contains("range can't iterate over abc123"));
    }

    #[test]
    fn conditionals() {
        let d = data();
        assert_eq!(run("{{if .State.Running}}up{{else}}down{{end}}", &d), "up");
        assert_eq!(
            run(
                "{{if .Zero}}a{{else if .Empty}}b{{else if .Names}}c{{else}}d{{end}}",
                &d
            ),
            "c"
        );
        assert_eq!(run("{{if .Nothing}}a{{else}}b{{end}}", &d), "b");
        assert_eq!(run("{{if .Missing}}a{{end}}", &d), "");
        assert_eq!(
            run("{{if \"\"}}a{{else}}b{{end}}{{if \"x\"}}c{{end}}", &d),
            "bc"
        );
        assert_eq!(run("{{if 0.0}}a{{else}}b{{end}}", &d), "b");
        assert_eq!(run("{{if json .Empty}}ok{{end}}", &d), "ok");
        assert_eq!(run("{{if $x := .State.Pid}}{{$x}}{{end}}", &d), "42");
        assert_eq!(run("{{with .State}}{{.Status}}{{end}}", &d), "running");
        assert_eq!(run("{{with .Empty}}x{{else}}empty{{end}}", &d), "empty");
        assert_eq!(
            run("{{with .Missing}}x{{else with .Tag}}{{.}}{{end}}", &d),
            "latest"
        );
        assert_eq!(
            run("{{with $x := .Tag}}{{$x}}{{.}}{{end}}", &d),
            "latestlatest"
        );
    }

    #[test]
    fn pipelines_and_parens() {
        let d = data();
        assert_eq!(run("{{.ID | printf \"%s!\"}}", &d), "abc123!");
        assert_eq!(run("{{.ID | upper | printf \"<%s>\"}}", &d), "<ABC123>");
        assert_eq!(run("{{(index .Mounts 1).Source}}", &d), "/data");
        assert_eq!(run("{{(index .Mounts 0).Source | len}}", &d), "4");
        assert_eq!(
            run("{{printf \"%d-%s\" (len .Names) (index .Names 1)}}", &d),
            "2-db"
        );
        assert_eq!(run("{{(.State).Status}}", &d), "running");
        assert_eq!(run("{{($x := .Tag)}} {{$x}}", &d), "latest latest");
        assert_eq!(run("{{(split \"a.b\" \".\")}}", &d), "[a b]");
        assert_eq!(run("{{index (split \"a,b,c\" \",\") 2}}", &d), "c");
    }

    #[test]
    fn json_function() {
        let d = data();
        assert_eq!(
            run("{{json .Config.Env}}", &d),
            r#"["PATH=/usr/bin","TERM=xterm"]"#
        );
        assert_eq!(
            run("{{json .Config.Labels}}", &d),
            r#"{"a":"1","b":"2","maintainer":"me <me@x.org>"}"#
        );
        assert_eq!(run("{{json .Nothing}} {{json .Missing}}", &d), "null null");
        assert_eq!(
            run("{{json .State}}", &d),
            r#"{"Pid":42,"Running":true,"Status":"running"}"#
        );
        let v =
            json!({"f": [1.5, 1e21, 1e-7, 100.0, 0.000001, -0.5], "s": "q\"\\\n\u{1}\u{2028}<&>"});
        assert_eq!(
            run("{{json .f}} {{json .s}}", &v),
            r#"[1.5,1e+21,1e-7,100,0.000001,-0.5] "q\"\\\n\u0001\u2028<&>""#
        );
        assert_eq!(run("{{json .}}", &json!("é")), "\"é\"");
    }

    #[test]
    fn index_and_len() {
        let d = data();
        assert_eq!(
            run("{{index .Config.Labels \"maintainer\"}}", &d),
            "me <me@x.org>"
        );
        assert_eq!(run("{{index .Names 0}}", &d), "web");
        assert_eq!(run("{{index . \"Config\" \"Env\" 1}}", &d), "TERM=xterm");
        assert_eq!(run("{{index .Names}}", &d), "[web db]");
        assert_eq!(run("{{index .Config.Labels \"nope\"}}", &d), "<no value>");
        assert_eq!(run("{{index .ID 0}}", &d), "97");
        assert_eq!(
            run(
                "{{len .Names}} {{len .ID}} {{len .Config.Labels}} {{len \"é\"}}",
                &d
            ),
            "2 6 3 2"
        );
        assert!(exec_err("{{index .Names 5}}", &d)
            .contains("error calling index: index out of range: 5"));
        assert!(exec_err("{{index .Names \"x\"}}", &d)
            .contains("cannot index slice/array with type string"));
        assert!(exec_err("{{index .Nothing 0}}", &d).contains("index of untyped nil"));
        assert!(exec_err("{{index .Config.Labels 1}}", &d)
            .contains("value has type int; should be string"));
        assert!(exec_err("{{len .Size}}", &d).contains("len of type int"));
        assert!(exec_err("{{len .Nothing}}", &d).contains("len of nil pointer"));
    }

    #[test]
    fn slice_function() {
        let d = data();
        assert_eq!(
            run("{{slice .ID 1 3}} {{slice .ID 2}} {{slice .Names 1}}", &d),
            "bc c123 [db]"
        );
        assert!(exec_err("{{slice .ID 3 1}}", &d).contains("invalid slice index"));
        assert!(exec_err("{{slice .ID 1 99}}", &d).contains("index out of range"));
    }

    #[test]
    fn comparisons() {
        let d = data();
        assert_eq!(
            run("{{eq .Tag \"latest\"}} {{eq .Tag \"x\"}}", &d),
            "true false"
        );
        assert_eq!(run("{{eq .Tag \"a\" \"b\" \"latest\"}}", &d), "true");
        assert_eq!(
            run("{{eq .State.Pid 42}} {{eq .Ratio 1.5}} {{eq 2 2.0}}", &d),
            "true true true"
        );
        assert_eq!(
            run(
                "{{eq .Nothing nil}} {{eq .Missing nil}} {{eq .Tag nil}}",
                &d
            ),
            "true true false"
        );
        assert_eq!(run("{{ne 1 2}} {{ne \"a\" \"a\"}}", &d), "true false");
        assert_eq!(
            run("{{lt 1 2}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}}", &d),
            "true true true false"
        );
        assert_eq!(
            run(
                "{{lt \"a\" \"b\"}} {{gt 1.5 1}} {{lt -1 18446744073709551615}}",
                &d
            ),
            "true true true"
        );
        assert_eq!(run("{{eq true true}} {{ne true false}}", &d), "true true");
        assert!(exec_err("{{eq 1 \"1\"}}", &d)
            .contains("error calling eq: incompatible types for comparison"));
        assert!(exec_err("{{lt true false}}", &d).contains("invalid type for comparison"));
        assert!(exec_err("{{eq .Names .Names}}", &d).contains("non-comparable type"));
    }

    #[test]
    fn logic() {
        let d = data();
        assert_eq!(
            run(
                "{{and 1 0 2}} {{and 1 2}} {{or 0 \"\" 3}} {{or 0 \"\"}}",
                &d
            ),
            "0 2 3 "
        );
        assert_eq!(
            run("{{not .State.Running}} {{not .Empty}}", &d),
            "false true"
        );
        // Short-circuit: the failing index is never evaluated.
        assert_eq!(run("{{and .Missing (index .Names 99)}}", &d), "<no value>");
        assert_eq!(run("{{or .ID (index .Names 99)}}", &d), "abc123");
        assert_eq!(run("{{.Zero | and 1}}", &d), "0");
        assert_eq!(
            run(
                "{{if and .State.Running (eq .Tag \"latest\")}}yes{{end}}",
                &d
            ),
            "yes"
        );
    }

    #[test]
    fn printf_verbs() {
        let d = data();
        let p = |f: &str| run(&format!("{{{{printf {f}}}}}"), &d);
        assert_eq!(
            p(r#""%s|%d|%v|%t" .ID .Size .Names .State.Running"#),
            "abc123|7340032|[web db]|true"
        );
        assert_eq!(p(r#""%-10s|" .Tag"#), "latest    |");
        assert_eq!(p(r#""%10s|" .Tag"#), "    latest|");
        assert_eq!(
            p(r#""%5d|%-5d|%05d|%+d|%x|%X|%#x|%o|%b" 42 42 -42 42 255 255 255 8 5"#),
            "   42|42   |-0042|+42|ff|FF|0xff|10|101"
        );
        assert_eq!(
            p(r#""%.2f|%8.3f|%f|%e|%g|%.3g" .Ratio 3.14159 1.0 123456.0 0.00001 3.14159"#),
            "1.50|   3.142|1.000000|1.234560e+05|1e-05|3.14"
        );
        assert_eq!(p(r#""%q|%q" .Tag 65"#), r#""latest"|'A'"#);
        assert_eq!(p(r#""%.3s|%x|%c" .Repository "hi" 65"#), "doc|6869|A");
        assert_eq!(p(r#""100%%""#), "100%");
        assert_eq!(p(r#""%d" .ID"#), "%!d(string=abc123)");
        assert_eq!(p(r#""%s %s" .ID"#), "abc123 %!s(MISSING)");
        assert_eq!(p(r#""%s" .ID 3"#), "abc123%!(EXTRA int=3)");
        assert_eq!(p(r#""%s" .Nothing"#), "%!s(<nil>)");
        assert_eq!(p(r#""%v" .Missing"#), "<nil>");
        assert_eq!(p(r#""%d" .Names"#), "[%!d(string=web) %!d(string=db)]");
        assert_eq!(p(r#""%5v" .Names"#), "[  web    db]");
        assert_eq!(p(r#""%*d" 4 7"#), "   7");
        assert_eq!(p(r#""%08.3f" -3.14159"#), "-003.142");
        assert_eq!(
            p(r#""%v" .Config.Labels"#),
            "map[a:1 b:2 maintainer:me <me@x.org>]"
        );
        assert_eq!(p(r#""%d" 1.5"#), "%!d(float64=1.5)");
    }

    /// Found by fuzzing: a huge width or precision asked for that much
    /// padding at once and aborted. Go refuses past a million.
    #[test]
    fn printf_width_and_precision_limits() {
        let d = data();
        let p = |f: &str| run(&format!("{{{{printf {f}}}}}"), &d);
        assert_eq!(p(r#""%1000000s" .Tag"#).len(), 1_000_000);
        assert_eq!(
            p(r#""%88888888s|%d" .Tag 1"#),
            "%!(NOVERB)%!(EXTRA string=latest, int=1)"
        );
        assert_eq!(
            p(r#""%.99999999f|" 1.5"#),
            "%!(NOVERB)%!(EXTRA float64=1.5)"
        );
        assert_eq!(p(r#""%*d" 2000000 7"#), "%!(BADWIDTH)7");
        assert_eq!(p(r#""%*d" -9223372036854775808 7"#), "%!(BADWIDTH)7");
        assert_eq!(p(r#""%.*f" 2000000 1.5"#), "%!(BADPREC)1.500000");
        assert_eq!(p(r#""%-*d|" -3 7"#), "7  |");
    }

    #[test]
    fn print_and_println() {
        let d = data();
        assert_eq!(run("{{print 1 2 \"a\" \"b\" 3}}", &d), "1 2ab3");
        assert_eq!(run("{{print .ID .Tag}}", &d), "abc123latest");
        assert_eq!(run("{{println .ID 1}}", &d), "abc123 1\n");
        assert_eq!(run("{{print}}", &d), "");
    }

    #[test]
    fn string_functions() {
        let d = data();
        assert_eq!(
            run(
                "{{upper .Tag}} {{lower \"ABC\"}} {{title \"hello wide-world_x\"}}",
                &d
            ),
            "LATEST abc Hello Wide-World_x"
        );
        assert_eq!(run("{{join .Names \", \"}}", &d), "web, db");
        assert_eq!(run("{{join .Empty \",\"}}|", &d), "|");
        assert_eq!(
            run(
                "{{split \"a:b:c\" \":\"}} {{len (split \"\" \",\")}} {{split \"ab\" \"\"}}",
                &d
            ),
            "[a b c] 1 [a b]"
        );
        assert_eq!(
            run("{{truncate .ID 3}} {{truncate .ID 30}}", &d),
            "abc abc123"
        );
        assert_eq!(run("[{{pad .Tag 2 1}}]", &d), "[  latest ]");
        assert_eq!(
            run(
                "{{contains .Repository \"alpine\"}} {{contains .Tag \"x\"}}",
                &d
            ),
            "true false"
        );
        assert_eq!(
            run(
                "{{replace \"aaaa\" \"a\" \"b\" 2}} {{replace \"aaaa\" \"a\" \"b\" -1}}",
                &d
            ),
            "bbaa bbbb"
        );
        assert!(exec_err("{{upper .Size}}", &d)
            .contains("wrong type for value; expected string; got int"));
        assert!(exec_err("{{upper .Missing}}", &d).contains("invalid value; expected string"));
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            parse_err("{{.ID }"),
            "template: column 7: unexpected \"}\" in operand"
        );
        // Go's lexer rejects a lone brace glued to a field name.
        assert_eq!(
            parse_err("{{.ID}"),
            "template: column 6: bad character U+007D '}'"
        );
        assert_eq!(parse_err("{{.ID"), "template: column 1: unclosed action");
        assert_eq!(
            parse_err("ab\ncd{{nope .X}}"),
            "template: line 2, column 5: function \"nope\" not defined"
        );
        assert!(parse_err("{{end}}").contains("unexpected {{end}}"));
        assert!(parse_err("{{else}}").contains("unexpected {{else}}"));
        assert!(parse_err("{{if .X}}a").contains("unexpected EOF"));
        assert!(parse_err("{{range .X}}{{else}}{{else}}{{end}}")
            .contains("expected end; found {{else}}"));
        assert!(parse_err("{{len}}").contains("wrong number of args for len: want 1 got 0"));
        assert!(parse_err("{{.X | len 1}}").contains("wrong number of args for len: want 1 got 2"));
        assert!(parse_err("{{eq 1}}").contains("want at least 2 got 1"));
        assert!(parse_err("{{}}").contains("missing value for command"));
        assert!(parse_err("{{if}}{{end}}").contains("missing value for if"));
        assert!(parse_err("{{break}}").contains("{{break}} outside {{range}}"));
        assert!(parse_err("{{range .X}}{{else}}{{continue}}{{end}}").contains("outside {{range}}"));
        assert!(parse_err("{{/* x }}").contains("unclosed comment"));
        assert!(parse_err("{{\"abc}}").contains("unterminated quoted string"));
        assert!(parse_err("{{(.X}}").contains("unclosed left paren"));
        assert!(parse_err("{{.X)}}").contains("unexpected right paren"));
        assert!(parse_err("{{.X | 3}}").contains("non executable command in pipeline stage 2"));
        assert!(parse_err("{{3x}}").contains("bad number syntax"));
        assert!(parse_err("{{template \"x\"}}").contains("not supported"));
        assert!(parse_err("{{\"a\"\"b\"}}").contains("unexpected \"\\\"b\\\"\" in operand"));
        assert!(parse_err("{{\"a\".B}}").contains("unexpected . after term"));
        assert!(parse_err("{{range $a, $b, $c := .X}}{{end}}").contains("too many declarations"));
        assert!(parse_err("{{if $a, $b := .X}}{{end}}").contains("too many declarations in if"));
        assert!(parse_err("{{.X ~}}").contains("unexpected \"~\" in operand"));
        assert!(parse_err("{{- ").contains("unclosed action"));
    }

    #[test]
    fn exec_errors() {
        let d = data();
        assert_eq!(
            exec_err("{{.ID.Foo}}", &d),
            "template: executing at <.ID.Foo>: can't evaluate field Foo in type string"
        );
        assert!(
            exec_err("{{.Names.X}}", &d).contains("can't evaluate field X in type []interface {}")
        );
        assert!(exec_err("{{.Nothing.X}}", &d).contains("nil pointer evaluating interface {}.X"));
        assert!(
            exec_err("{{.ID | .State}}", &d).contains("State is not a method but has arguments")
        );
        assert!(exec_err("{{$x := 1}}{{.ID | $x}}", &d)
            .contains("can't give argument to non-function $x"));
        assert!(
            exec_err("{{\"a\" \"b\"}}", &d).contains("can't give argument to non-function \"a\"")
        );
        assert!(exec_err("{{nil}}", &d).contains("nil is not a command"));
        assert!(exec_err("{{range .Names}}{{index $.Names 7}}{{end}}", &d)
            .contains("at <index $.Names 7>"));
        let e = Template::parse("{{index .Names 9}}")
            .unwrap()
            .execute(&d)
            .unwrap_err();
        assert!(e.to_string().starts_with("template: executing"));
        let _: &dyn std::error::Error = &e;
    }

    #[test]
    fn more_control_flow() {
        let d = data();
        // break leaves only the innermost range.
        assert_eq!(
            run(
                "{{range .Names}}{{range $.Names}}{{break}}{{end}}{{.}}{{end}}",
                &d
            ),
            "webdb"
        );
        assert_eq!(
            run("{{range split \"a,b\" \",\"}}<{{.}}>{{end}}", &d),
            "<a><b>"
        );
        assert_eq!(
            run(
                "{{range $k, $v := (index . \"Config\").Labels}}{{$k}}{{end}}",
                &d
            ),
            "abmaintainer"
        );
        assert_eq!(
            run("{{if .Missing}}\n  a\n{{- else -}}\n  b\n{{end}}", &d),
            "b\n"
        );
        assert_eq!(run("{{\"}}\"}}|{{`{{`}}", &d), "}}|{{");
        assert_eq!(run("héllo {{.ID}} wörld", &d), "héllo abc123 wörld");
        assert_eq!(
            run(
                "{{range .Mounts}}{{if eq .Source \"/data\"}}{{.Destination}}{{end}}{{end}}",
                &d
            ),
            "/var/data"
        );
        assert_eq!(
            run(
                "{{range $i, $m := .Mounts}}{{if $i}},{{end}}{{$m.Source}}{{end}}",
                &d
            ),
            "/src,/data"
        );
        assert_eq!(
            run(
                "{{range .Names}}{{else}}{{end}}{{with .ID}}{{len .}}{{end}}",
                &d
            ),
            "6"
        );
        assert!(parse_err("{{with .A}}{{else if .B}}{{end}}").contains("unexpected <if> in input"));
        assert!(parse_err("{{.A €}}").contains("unrecognized character in action"));
    }

    #[test]
    fn exec_error_locations() {
        let d = data();
        assert_eq!(
            exec_err("{{printf \"%s\" (index .Names 3)}}", &d),
            "template: executing at <index .Names 3>: error calling index: index out of range: 3"
        );
        assert!(exec_err("{{range .Tag}}{{end}}", &d).starts_with("template: executing at <.Tag>"));
    }

    #[test]
    fn reuse_parsed_template() {
        let t = Template::parse("{{.Name}}\t{{.N}}").unwrap();
        let out: Vec<String> = (0..3)
            .map(|i| {
                t.execute(&json!({"Name": format!("c{i}"), "N": i}))
                    .unwrap()
            })
            .collect();
        assert_eq!(out, ["c0\t0", "c1\t1", "c2\t2"]);
    }

    #[test]
    fn normalize() {
        assert_eq!(
            normalize_format("table {{.ID}}\\t{{.Names}}"),
            FormatSpec {
                table: true,
                template: "{{.ID}}\t{{.Names}}".into()
            }
        );
        assert_eq!(
            normalize_format("table"),
            FormatSpec {
                table: true,
                template: String::new()
            }
        );
        assert_eq!(normalize_format("  table\\t{{.ID}}").template, "{{.ID}}");
        assert!(normalize_format("  table\\t{{.ID}}").table);
        assert_eq!(
            normalize_format("tables {{.ID}}\\n"),
            FormatSpec {
                table: false,
                template: "tables {{.ID}}\n".into()
            }
        );
        assert_eq!(normalize_format("{{json .}}").template, "{{json .}}");
    }

    #[test]
    fn headers() {
        let names = [
            ("Repository", "REPOSITORY"),
            ("ID", "IMAGE ID"),
            ("State.Status", "STATE"),
        ];
        assert_eq!(
            header_row("{{.Repository}}\t{{.Tag}}\t{{.ID}}", &names),
            "REPOSITORY\tTAG\tIMAGE ID"
        );
        assert_eq!(
            header_row(
                "{{.CreatedAt}}\t{{.ImageID}}\t{{.Config.HTTPServer}}\t{{.State.Status}}",
                &names
            ),
            "CREATED AT\tIMAGE ID\tHTTP SERVER\tSTATE"
        );
        assert_eq!(
            header_row("{{json .Config}} {{upper .Names}}", &[]),
            "CONFIG NAMES"
        );
        assert_eq!(header_row("{{if .A}}{{.B}}{{end}}|{{$x := .C}}", &[]), "B|");
        assert_eq!(header_row("{{.Port80}} {{.Ports}}", &[]), "PORT 80 PORTS");
        assert_eq!(header_row("{{.Broken", &[]), "{{.Broken");
    }

    #[test]
    fn tabwriter() {
        assert_eq!(
            align_columns("a\tb\nccc\td\n"),
            "a           b\nccc         d\n"
        );
        assert_eq!(
            align_columns("IMAGE ID\tREPOSITORY\nabcdef0123456789\tx\n"),
            "IMAGE ID          REPOSITORY\nabcdef0123456789  x\n"
        );
        // A line without tabs ends the column block.
        assert_eq!(
            align_columns("a\tb\nplain\nlonger-than-twelve\tc"),
            "a           b\nplain\nlonger-than-twelve  c"
        );
        // Trailing tab-terminated cell is padded; missing columns in short lines.
        assert_eq!(
            align_columns("a\tb\tc\nd\te\n"),
            "a           b           c\nd           e\n"
        );
        assert_eq!(align_columns("x\t\n"), "x           \n");
        assert_eq!(align_columns(""), "");
        assert_eq!(align_columns("no tabs"), "no tabs");
        assert_eq!(align_columns("é\tx"), "é           x");
        // Column 1 of line 2 is its last cell, so line 1's column 1 is its own block.
        assert_eq!(
            align_columns("a\tbbbbbbbbbbbbbbbbb\tc\nd\te\n"),
            "a           bbbbbbbbbbbbbbbbb  c\nd           e\n"
        );
    }

    #[test]
    fn table_end_to_end() {
        let spec = normalize_format("table {{.ID}}\\t{{.Names}}");
        assert!(spec.table);
        let t = Template::parse(&spec.template).unwrap();
        let mut text = header_row(&spec.template, &[("ID", "CONTAINER ID")]);
        text.push('\n');
        for (id, name) in [("1a2b", "web"), ("3c4d5e6f7a8b9c", "db")] {
            text.push_str(&t.execute(&json!({"ID": id, "Names": name})).unwrap());
            text.push('\n');
        }
        assert_eq!(
            align_columns(&text),
            "CONTAINER ID    NAMES\n1a2b            web\n3c4d5e6f7a8b9c  db\n"
        );
    }

    #[test]
    fn float_formatting_helpers() {
        assert_eq!(fmt_g(0.0, None, false), "0");
        assert_eq!(fmt_g(100.0, None, false), "100");
        assert_eq!(fmt_g(999999.0, None, false), "999999");
        assert_eq!(fmt_g(1e-4, None, false), "0.0001");
        assert_eq!(fmt_g(123.456, Some(2), false), "1.2e+02");
        assert_eq!(fmt_g(1.0, Some(3), false), "1");
        assert_eq!(fmt_g(1e100, None, true), "1E+100");
        assert_eq!(json_float(1e20), "100000000000000000000");
        assert_eq!(json_float(0.0), "0");
        assert_eq!(json_float(-1e-10), "-1e-10");
    }
}
