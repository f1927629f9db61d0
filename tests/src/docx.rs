//! A `.docx` report read back for the tests: the body of `word/document.xml` as paragraphs (with
//! their style and page break) and tables (rows of cell texts), and the paragraph styles of
//! `word/styles.xml` with their outline levels. Read with `zip` and `roxmltree`, independently
//! of the crate that writes the file, so that a test sees what a word processor would see.

use std::io::Read;

/// The WordprocessingML namespace.
const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// A paragraph of the body.
#[derive(Debug, Clone)]
pub struct Para {
    /// Its style (`Heading1`, `Title`, …), if it names one.
    pub style: Option<String>,
    /// Whether it starts a new page.
    pub page_break: bool,
    pub text: String,
}

/// A paragraph or a table, in the order of the body.
#[derive(Debug, Clone)]
pub enum Block {
    Para(Para),
    /// The rows of the table, each a list of cell texts.
    Table(Vec<Vec<String>>),
}

/// A style of `styles.xml`.
#[derive(Debug, Clone)]
pub struct StyleDef {
    pub id: String,
    pub name: Option<String>,
    pub outline_level: Option<u32>,
}

/// A `.docx` file, read.
#[derive(Debug)]
pub struct Note {
    pub blocks: Vec<Block>,
    pub styles: Vec<StyleDef>,
    /// `word/document.xml` as stored.
    pub document_xml: String,
}

/// One part of the package as text.
pub fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip package");
    let mut file = zip.by_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut text = String::new();
    file.read_to_string(&mut text).expect("UTF-8 XML");
    text
}

fn val(node: roxmltree::Node<'_, '_>, child: &str) -> Option<String> {
    node.children()
        .find(|c| c.has_tag_name((W, child)))
        .and_then(|c| c.attribute((W, "val")))
        .map(String::from)
}

/// The text of a paragraph: its runs' texts, tabs and line breaks.
fn text(p: roxmltree::Node<'_, '_>) -> String {
    let mut out = String::new();
    for n in p.descendants() {
        if n.has_tag_name((W, "t")) {
            out.push_str(n.text().unwrap_or(""));
        } else if n.has_tag_name((W, "tab")) && n.parent().is_some_and(|r| r.has_tag_name((W, "r")))
        {
            out.push('\t');
        } else if n.has_tag_name((W, "br")) {
            out.push('\n');
        }
    }
    out
}

fn para(p: roxmltree::Node<'_, '_>) -> Para {
    let props = p.children().find(|c| c.has_tag_name((W, "pPr")));
    Para {
        style: props.and_then(|pr| val(pr, "pStyle")),
        page_break: props.is_some_and(|pr| {
            pr.children().any(|c| {
                c.has_tag_name((W, "pageBreakBefore"))
                    && c.attribute((W, "val"))
                        .is_none_or(|v| v != "false" && v != "0")
            })
        }),
        text: text(p),
    }
}

/// Reads a `.docx` file; panics (fails the test) when it is not one or its XML does not parse.
pub fn read(bytes: &[u8]) -> Note {
    let document_xml = part(bytes, "word/document.xml");
    let doc = roxmltree::Document::parse(&document_xml).expect("word/document.xml parses");
    let body = doc
        .descendants()
        .find(|n| n.has_tag_name((W, "body")))
        .expect("a body");
    let mut blocks = Vec::new();
    for n in body.children() {
        if n.has_tag_name((W, "p")) {
            blocks.push(Block::Para(para(n)));
        } else if n.has_tag_name((W, "tbl")) {
            let rows = n
                .children()
                .filter(|r| r.has_tag_name((W, "tr")))
                .map(|r| {
                    r.children()
                        .filter(|c| c.has_tag_name((W, "tc")))
                        .map(|c| {
                            c.children()
                                .filter(|p| p.has_tag_name((W, "p")))
                                .map(text)
                                .collect::<Vec<_>>()
                                .join("\n")
                        })
                        .collect()
                })
                .collect();
            blocks.push(Block::Table(rows));
        }
    }
    let styles_xml = part(bytes, "word/styles.xml");
    let sdoc = roxmltree::Document::parse(&styles_xml).expect("word/styles.xml parses");
    let styles = sdoc
        .descendants()
        .filter(|n| n.has_tag_name((W, "style")))
        .map(|s| StyleDef {
            id: s.attribute((W, "styleId")).unwrap_or_default().to_string(),
            name: val(s, "name"),
            outline_level: s
                .children()
                .find(|c| c.has_tag_name((W, "pPr")))
                .and_then(|pr| val(pr, "outlineLvl"))
                .and_then(|v| v.parse().ok()),
        })
        .collect();
    Note {
        blocks,
        styles,
        document_xml,
    }
}

impl Note {
    /// The paragraphs of the body outside tables.
    pub fn paragraphs(&self) -> impl Iterator<Item = &Para> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Para(p) => Some(p),
            Block::Table(_) => None,
        })
    }

    /// The texts of the paragraphs in a style.
    pub fn styled(&self, style: &str) -> Vec<&str> {
        self.paragraphs()
            .filter(|p| p.style.as_deref() == Some(style))
            .map(|p| p.text.as_str())
            .collect()
    }

    /// The blocks from the `Heading1` with this text (included) to the next `Heading1`.
    pub fn section(&self, heading: &str) -> &[Block] {
        let is_h1 =
            |b: &Block| matches!(b, Block::Para(p) if p.style.as_deref() == Some("Heading1"));
        let start = self
            .blocks
            .iter()
            .position(|b| matches!(b, Block::Para(p) if p.style.as_deref() == Some("Heading1") && p.text == heading))
            .unwrap_or_else(|| panic!("no Heading1 {heading:?} in {:#?}", self.blocks));
        let end = self.blocks[start + 1..]
            .iter()
            .position(is_h1)
            .map_or(self.blocks.len(), |i| start + 1 + i);
        &self.blocks[start..end]
    }

    /// The style with this id.
    pub fn style(&self, id: &str) -> Option<&StyleDef> {
        self.styles.iter().find(|s| s.id == id)
    }
}

/// The pictures of the body in order, each a bar of a chart: how many pixels of the first row
/// of its PNG (found through `word/_rels/document.xml.rels`) are not the grey of the empty track
/// (`#e5e9f0`), i.e. its filled part.
pub fn bars(bytes: &[u8]) -> Vec<u32> {
    const A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
    const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let rels_xml = part(bytes, "word/_rels/document.xml.rels");
    let rels = roxmltree::Document::parse(&rels_xml).expect("the relationships parse");
    let target = |id: &str| -> String {
        rels.descendants()
            .find(|n| n.attribute("Id") == Some(id))
            .and_then(|n| n.attribute("Target"))
            .map(|t| format!("word/{t}"))
            .unwrap_or_else(|| panic!("no relationship {id}"))
    };
    let document_xml = part(bytes, "word/document.xml");
    let doc = roxmltree::Document::parse(&document_xml).expect("word/document.xml parses");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip package");
    let mut out = Vec::new();
    for blip in doc.descendants().filter(|n| n.has_tag_name((A, "blip"))) {
        let name = target(blip.attribute((R, "embed")).expect("r:embed"));
        let mut data = Vec::new();
        zip.by_name(&name)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .read_to_end(&mut data)
            .expect("readable");
        let mut reader = png::Decoder::new(std::io::Cursor::new(data))
            .read_info()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
        let info = reader.next_frame(&mut pixels).expect("a frame");
        assert_eq!((info.width, info.height), (400, 28), "{name}");
        assert_eq!(info.color_type, png::ColorType::Rgb, "{name}");
        let row = &pixels[..info.width as usize * 3];
        out.push(row.chunks(3).filter(|p| *p != [0xe5, 0xe9, 0xf0]).count() as u32);
    }
    out
}

/// The tables among some blocks.
pub fn tables(blocks: &[Block]) -> Vec<&Vec<Vec<String>>> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(rows) => Some(rows),
            Block::Para(_) => None,
        })
        .collect()
}

/// The blocks after the first paragraph with this text (and style), up to the next paragraph
/// in that style.
pub fn subsection<'a>(blocks: &'a [Block], style: &str, heading: &str) -> &'a [Block] {
    let is = |b: &Block| matches!(b, Block::Para(p) if p.style.as_deref() == Some(style));
    let start = blocks
        .iter()
        .position(|b| matches!(b, Block::Para(p) if p.style.as_deref() == Some(style) && p.text == heading))
        .unwrap_or_else(|| panic!("no {style} {heading:?}"));
    let end = blocks[start + 1..]
        .iter()
        .position(is)
        .map_or(blocks.len(), |i| start + 1 + i);
    &blocks[start + 1..end]
}
