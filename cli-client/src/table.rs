//! Plain-text tables that line up Chinese text (two columns per wide character).

use unicode_width::UnicodeWidthStr;

/// Cut a string to at most `max` display columns, marking the cut with `…`.
pub fn clip(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw + 1 > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Render rows under a header, each column padded to its widest cell (display width: a
/// Chinese character takes two columns).
pub fn render<H: AsRef<str>>(header: &[H], rows: &[Vec<String>]) -> String {
    let header: Vec<&str> = header.iter().map(AsRef::as_ref).collect();
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for r in rows {
        for (i, cell) in r.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(cell.width());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(widths[i].saturating_sub(c.width()) + 2));
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(header, &mut out);
    for r in rows {
        line(r.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_columns_line_up() {
        let t = render(
            &["名称", "STREET"],
            &[
                vec!["老王电动车维修".into(), "小木桥路".into()],
                vec!["Shop".into(), "斜土路".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        let col = |l: &str| l[..l.find(['小', '斜', 'S']).unwrap_or(0)].to_string();
        // The second column starts at the same display column on every row.
        let starts: Vec<usize> = lines[1..].iter().map(|l| col(l).width()).collect();
        assert_eq!(starts[0], 16);
        assert!(lines[2].starts_with("Shop"));
        assert_eq!(lines[2].find('斜').map(|i| lines[2][..i].width()), Some(16));
        // A Chinese header lines up with its column too.
        assert_eq!(lines[0].find('S').map(|i| lines[0][..i].width()), Some(16));
    }

    #[test]
    fn clip_respects_display_width() {
        assert_eq!(clip("小木桥路便利店", 8), "小木桥…");
        assert_eq!(clip("abc", 8), "abc");
    }
}
