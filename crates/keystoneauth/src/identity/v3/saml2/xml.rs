//! Reading SAML and SOAP messages without rewriting them: a read-only tree
//! (`roxmltree`) over the original text, with the byte range of every
//! element, so a signed assertion is forwarded byte for byte and only the
//! parts the protocol changes are spliced. Documents with a DTD are refused
//! and the number of nodes is bounded.

use std::ops::Range;

use roxmltree::{Document, Node, ParsingOptions};

use crate::error::{Error, Result};

/// SOAP 1.1 envelopes (SAML2 ECP / PAOS).
pub(crate) const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelopes (WS-Trust 1.3, ADFS).
pub(crate) const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
/// Liberty PAOS.
pub(crate) const PAOS: &str = "urn:liberty:paos:2003-08";
/// The SAML2 ECP profile.
pub(crate) const ECP: &str = "urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp";
/// WS-Trust 1.3.
pub(crate) const WS_TRUST_13: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
/// WS-Trust of February 2005, which WS-Federation's passive profile (a
/// `wresult`) speaks.
pub(crate) const WS_TRUST_2005: &str = "http://schemas.xmlsoap.org/ws/2005/02/trust";

/// At most this many nodes are read from one message (a SAML response with
/// hundreds of attributes has a few thousand).
pub(crate) const MAX_NODES: u32 = 100_000;

/// The most of a text kept from a message for an error (a fault's reason).
pub(crate) const MAX_TEXT: usize = 512;

/// A message being read: its text, tree, and where it came from (for errors).
pub(crate) struct Message<'a> {
    pub(crate) text: &'a str,
    pub(crate) doc: Document<'a>,
    from: &'a str,
    what: &'static str,
}

impl<'a> Message<'a> {
    /// Parses `text`, `what` ("the identity provider's ECP response") from
    /// `from` (a URL with secrets masked), for the errors.
    pub(crate) fn parse(text: &'a str, from: &'a str, what: &'static str) -> Result<Self> {
        let options = ParsingOptions {
            allow_dtd: false,
            nodes_limit: MAX_NODES,
            ..ParsingOptions::default()
        };
        let doc = Document::parse_with_options(text, options)
            .map_err(|e| Error::invalid_response(from, format!("{what} is not well-formed XML ({e})")))?;
        Ok(Message { text, doc, from, what })
    }

    /// The text of `body`, which must be UTF-8.
    pub(crate) fn utf8(body: &'a [u8], from: &str, what: &'static str) -> Result<&'a str> {
        std::str::from_utf8(body).map_err(|_| Error::invalid_response(from, format!("{what} is not UTF-8 text")))
    }

    /// The error for a message that lacks `missing`.
    pub(crate) fn missing(&self, missing: &str) -> Error {
        Error::invalid_response(self.from, format!("{} has no {missing}", self.what))
    }

    /// The error for a message with something wrong.
    pub(crate) fn invalid(&self, message: &str) -> Error {
        Error::invalid_response(self.from, format!("{} {message}", self.what))
    }

    /// The root element, which must be a SOAP envelope of `soap`'s version.
    pub(crate) fn envelope<'s>(&'s self, soap: &str, name: &str) -> Result<Node<'s, 'a>> {
        let root = self.doc.root_element();
        if root.has_tag_name((soap, "Envelope")) {
            Ok(root)
        } else {
            Err(self.missing(&format!(
                "{name} Envelope (its root element is {:?})",
                root.tag_name().name()
            )))
        }
    }

    /// The only child element of `parent` named `name` (`{ns}local`), which
    /// `shown` ("S:Header") names in errors.
    pub(crate) fn only_child<'s>(
        &self,
        parent: Node<'s, 'a>,
        ns: &str,
        local: &str,
        shown: &str,
    ) -> Result<Node<'s, 'a>> {
        let mut found = children(parent, ns, local);
        let first = found.next().ok_or_else(|| self.missing(shown))?;
        if found.next().is_some() {
            return Err(self.invalid(&format!("has more than one {shown}")));
        }
        Ok(first)
    }

    /// The attribute `name` of `node`, which `shown` names in errors.
    pub(crate) fn attribute<'s>(&self, node: Node<'s, 'a>, name: &str, shown: &str) -> Result<&'s str> {
        node.attribute(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| self.missing(shown))
    }

    /// The text of the element at `node` as a fragment that stands alone:
    /// its bytes as received, with the namespace declarations it inherits
    /// (and does not make itself) added to its start tag.
    pub(crate) fn standalone(&self, node: Node<'_, 'a>) -> String {
        let element = &self.text[node.range()];
        let name_end = 1 + element
            .get(1..)
            .and_then(|s| s.find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>'))
            .unwrap_or(element.len().saturating_sub(1));
        let declared = declared_prefixes(element, name_end);
        let mut added = String::new();
        for ns in node.namespaces() {
            if ns.name() == Some("xml") || declared.contains(&ns.name()) {
                continue;
            }
            match ns.name() {
                Some(prefix) => added.push_str(&format!(" xmlns:{prefix}=\"")),
                None => added.push_str(" xmlns=\""),
            }
            added.push_str(&escape(ns.uri()));
            added.push('"');
        }
        let mut out = String::with_capacity(element.len() + added.len());
        out.push_str(&element[..name_end]);
        out.push_str(&added);
        out.push_str(&element[name_end..]);
        out
    }
}

/// The child elements of `parent` named `{ns}local` (`ns` empty: in no
/// namespace).
pub(crate) fn children<'s, 'i, 'q>(
    parent: Node<'s, 'i>,
    ns: &'q str,
    local: &'q str,
) -> impl Iterator<Item = Node<'s, 'i>> + use<'s, 'i, 'q> {
    parent.children().filter(move |n| {
        let name = n.tag_name();
        n.is_element() && name.name() == local && name.namespace().unwrap_or("") == ns
    })
}

/// The trimmed text of an element, at most [`MAX_TEXT`] bytes of it.
pub(crate) fn text_of(node: Node<'_, '_>) -> Option<String> {
    let text: String = node
        .descendants()
        .filter(Node::is_text)
        .filter_map(|n| n.text())
        .collect();
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.len() <= MAX_TEXT {
        return Some(text.to_owned());
    }
    Some(format!("{}…", &text[..crate::redact::char_floor(text, MAX_TEXT)]))
}

/// `text` without the bytes of `range`, with `insert` in their place.
pub(crate) fn splice(text: &str, range: Range<usize>, insert: &str) -> String {
    let mut out = String::with_capacity(text.len() - range.len() + insert.len());
    out.push_str(&text[..range.start]);
    out.push_str(insert);
    out.push_str(&text[range.end..]);
    out
}

/// The prefixes (`None` for the default namespace) whose namespaces the
/// start tag of `element` declares; its attributes start at `from`. The
/// element was parsed already, so its start tag is well-formed.
fn declared_prefixes(element: &str, from: usize) -> Vec<Option<&str>> {
    let bytes = element.as_bytes();
    let mut declared = Vec::new();
    let mut i = from;
    let skip_space = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    loop {
        i = skip_space(i);
        let name_start = i;
        while bytes
            .get(i)
            .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'>' | b'/'))
        {
            i += 1;
        }
        let name = &element[name_start..i];
        i = skip_space(i);
        if name.is_empty() || bytes.get(i) != Some(&b'=') {
            return declared;
        }
        i = skip_space(i + 1);
        let Some(&quote) = bytes.get(i).filter(|q| matches!(q, b'"' | b'\'')) else {
            return declared;
        };
        i += 1;
        while bytes.get(i).is_some_and(|b| *b != quote) {
            i += 1;
        }
        i += 1;
        if name == "xmlns" {
            declared.push(None);
        } else if let Some(prefix) = name.strip_prefix("xmlns:") {
            declared.push(Some(prefix));
        }
    }
}

/// `value` escaped for XML text and attribute values. Characters XML 1.0
/// cannot hold at all (controls other than tab, newline and carriage
/// return) are refused by [`check_xml_chars`] before.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether XML 1.0 can hold `value` (no control characters but tab,
/// newline and carriage return).
pub(crate) fn check_xml_chars(value: &str) -> bool {
    !value
        .chars()
        .any(|c| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standalone_of(text: &str, local: &str) -> String {
        let m = Message::parse(text, "http://h/", "the test message").unwrap();
        let node = m.doc.descendants().find(|n| n.tag_name().name() == local).unwrap();
        m.standalone(node)
    }

    #[test]
    fn a_fragment_keeps_its_bytes_and_gains_the_namespaces_it_inherits() {
        let text = "<S:E xmlns:S=\"urn:s\" xmlns=\"urn:d\"><S:H><e:R xmlns:e='urn:e'  S:a=\"x>y\"\n>v &amp; w</e:R><d/></S:H></S:E>";
        assert_eq!(
            standalone_of(text, "R"),
            "<e:R xmlns:S=\"urn:s\" xmlns=\"urn:d\" xmlns:e='urn:e'  S:a=\"x>y\"\n>v &amp; w</e:R>"
        );
        assert_eq!(standalone_of(text, "d"), "<d xmlns:S=\"urn:s\" xmlns=\"urn:d\"/>");
        // A fragment that declares everything itself is unchanged.
        let own = "<a xmlns=\"urn:a\" xmlns:b=\"urn:&quot;b\"><b:c xmlns:b=\"urn:b2\"/></a>";
        assert_eq!(standalone_of(own, "a"), own);
        assert_eq!(standalone_of(own, "c"), "<b:c xmlns=\"urn:a\" xmlns:b=\"urn:b2\"/>");
        // Inherited URIs are escaped again.
        assert_eq!(
            standalone_of("<a xmlns:q=\"urn:&amp;&lt;\"><q:b/></a>", "b"),
            "<q:b xmlns:q=\"urn:&amp;&lt;\"/>"
        );
    }

    #[test]
    fn documents_with_a_dtd_or_too_many_nodes_are_refused() {
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;\">]><l>&b;</l>";
        let err = Message::parse(bomb, "http://idp/", "the identity provider's ECP response")
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("not well-formed XML") && err.contains("http://idp/"),
            "{err}"
        );
        let many = format!("<a>{}</a>", "<b/>".repeat(MAX_NODES as usize));
        assert!(Message::parse(&many, "u", "m").is_err());
    }

    #[test]
    fn escaping_and_xml_characters() {
        assert_eq!(escape("<&\"'>"), "&lt;&amp;&quot;&apos;&gt;");
        assert!(check_xml_chars("pässwörd\t\n"));
        assert!(!check_xml_chars("a\u{1}b"));
        assert_eq!(splice("abcdef", 1..3, "XY"), "aXYdef");
        let long = format!("<a> {} </a>", "é".repeat(MAX_TEXT));
        let doc = Document::parse(&long).unwrap();
        let t = text_of(doc.root_element()).unwrap();
        assert!(t.len() <= MAX_TEXT + '…'.len_utf8() && t.ends_with('…'), "{}", t.len());
    }
}
