//! The charts as SVG: each chart lays out the values of [`Charts`](super::model::Charts) as
//! rectangles, lines and text, and one template (escaping every text by default) writes them.
//! Coordinates are rounded to one decimal, so the same report gives byte-identical SVG.

use serde::Serialize;

use super::model::Axis;
use super::Report;

const WIDTH: f64 = 960.0;
const TEMPLATE: &str = include_str!("templates/chart.svg");

/// Colour of a signature in the charts and legends.
pub fn signature_colour(id: &str) -> &'static str {
    match id {
        "edge_500" => "#c62828",
        "edge_502" => "#ef6c00",
        "origin_5xx" => "#1565c0",
        "cf_52x" => "#6a1b9a",
        _ => "#757575",
    }
}

/// The colour of an error rate (0..1): from a pale grey-white at 0 to dark red at 1 (square root
/// scale, so that a few percent is already visible).
pub fn rate_colour(rate: f64) -> String {
    let t = rate.clamp(0.0, 1.0).sqrt();
    let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", lerp(241.0, 165.0), lerp(243.0, 15.0), lerp(245.0, 21.0))
}

/// Rendered charts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderedCharts {
    /// Region × time error-rate heatmap.
    pub heatmap: String,
    /// Propagation: POPs by onset, onset to recovery.
    pub propagation: String,
    /// Signatures over time, stacked.
    pub signatures: String,
}

impl RenderedCharts {
    /// File names and contents, in the order the report shows them.
    pub fn files(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("heatmap.svg", self.heatmap.as_str()),
            ("propagation.svg", self.propagation.as_str()),
            ("signatures.svg", self.signatures.as_str()),
        ]
        .into_iter()
    }
}

#[derive(Serialize)]
struct Rect {
    x: String,
    y: String,
    w: String,
    h: String,
    fill: String,
    stroke: Option<&'static str>,
    tip: Option<String>,
}

#[derive(Serialize)]
struct Line {
    x1: String,
    y1: String,
    x2: String,
    y2: String,
    stroke: &'static str,
    width: &'static str,
}

#[derive(Serialize)]
struct Text {
    x: String,
    y: String,
    anchor: &'static str,
    fill: &'static str,
    bold: bool,
    content: String,
}

#[derive(Serialize, Default)]
struct Chart {
    width: String,
    height: String,
    label: String,
    rects: Vec<Rect>,
    lines: Vec<Line>,
    texts: Vec<Text>,
}

fn n(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

impl Chart {
    fn new(label: &str) -> Self {
        Chart { width: n(WIDTH), label: label.to_string(), ..Chart::default() }
    }
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: String, tip: Option<String>) {
        self.rects.push(Rect { x: n(x), y: n(y), w: n(w.max(0.0)), h: n(h.max(0.0)), fill, stroke: None, tip });
    }
    fn outline(&mut self, (x, y, w, h): (f64, f64, f64, f64), fill: &str, stroke: &'static str, tip: Option<String>) {
        self.rects.push(Rect {
            x: n(x),
            y: n(y),
            w: n(w.max(0.0)),
            h: n(h.max(0.0)),
            fill: fill.to_string(),
            stroke: Some(stroke),
            tip,
        });
    }
    fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &'static str) {
        self.lines.push(Line { x1: n(x1), y1: n(y1), x2: n(x2), y2: n(y2), stroke, width: "1" });
    }
    fn text(&mut self, x: f64, y: f64, anchor: &'static str, text: impl Into<String>) {
        self.texts.push(Text { x: n(x), y: n(y), anchor, fill: "#222222", bold: false, content: text.into() });
    }
    fn muted(&mut self, x: f64, y: f64, anchor: &'static str, text: impl Into<String>) {
        self.texts.push(Text { x: n(x), y: n(y), anchor, fill: "#666666", bold: false, content: text.into() });
    }
}

/// The x position of `offset` seconds on `axis`, drawn between `left` and `right`.
fn x_of(axis: &Axis, offset: f64, left: f64, right: f64) -> f64 {
    let span = axis.span_seconds().max(1) as f64;
    left + (offset / span).clamp(0.0, 1.0) * (right - left)
}

/// Vertical grid lines and tick labels under a plot.
fn time_axis(c: &mut Chart, axis: &Axis, left: f64, right: f64, top: f64, bottom: f64) {
    for t in &axis.ticks {
        let x = x_of(axis, t.offset_seconds, left, right);
        c.line((x, top), (x, bottom + 4.0), "#d0d0d0");
        c.muted(x, bottom + 16.0, "middle", format!("{} UTC", t.label));
    }
    c.line((left, bottom), (right, bottom), "#999999");
}

fn pct(r: f64) -> String {
    format!("{:.1} %", r * 100.0)
}

fn heatmap(r: &Report) -> Chart {
    let ch = &r.charts;
    let mut c = Chart::new("5xx error rate by region and time (UTC)");
    let (left, right, top, row) = (200.0, WIDTH - 12.0, 28.0, 20.0);
    let axis = &ch.axis;
    let cw = (right - left) / axis.columns.max(1) as f64;
    let bottom = top + row * ch.heatmap.len() as f64;
    for (k, (label, rate)) in
        [("0 %", 0.0), ("1 %", 0.01), ("10 %", 0.1), ("50 %", 0.5), ("100 %", 1.0)].iter().enumerate()
    {
        let x = left + k as f64 * 70.0;
        c.rect(x, 6.0, 14.0, 12.0, rate_colour(*rate), None);
        c.muted(x + 18.0, 16.0, "start", *label);
    }
    c.muted(left - 8.0, 16.0, "end", "5xx rate:");
    c.outline((left + 5.0 * 70.0, 6.0, 14.0, 12.0), "#ffffff", "#cccccc", None);
    c.muted(left + 5.0 * 70.0 + 18.0, 16.0, "start", "no requests");
    for (i, h) in ch.heatmap.iter().enumerate() {
        let y = top + row * i as f64;
        c.text(left - 8.0, y + row / 2.0 + 4.0, "end", h.region.clone());
        for (j, cell) in h.cells.iter().enumerate() {
            let Some(rate) = cell.rate else { continue };
            let x = left + cw * j as f64;
            let start = axis.start_ns / 1_000_000_000 + axis.bucket_seconds * j as i64;
            let when =
                chrono::DateTime::from_timestamp(start, 0).map(|d| d.format("%H:%M").to_string()).unwrap_or_default();
            let tip =
                format!("{} {} UTC: {} of {} requests 5xx ({})", h.region, when, cell.errors, cell.requests, pct(rate));
            c.rect(x, y + 1.0, cw + 0.05, row - 2.0, rate_colour(rate), Some(tip));
        }
    }
    time_axis(&mut c, axis, left, right, top, bottom);
    c.height = n(bottom + 26.0);
    c
}

fn propagation(r: &Report) -> Chart {
    let ch = &r.charts;
    let mut c = Chart::new("Propagation: affected POPs by onset, from onset to recovery, shaded by edge error rate");
    let (left, right, top, row) = (120.0, WIDTH - 100.0, 28.0, 16.0);
    let axis = &ch.propagation_axis;
    let cw = (right - left) / axis.columns.max(1) as f64;
    let bottom = top + row * ch.propagation.len().max(1) as f64;
    c.outline((left, 6.0, 24.0, 10.0), "#f6f6f6", "#9e9e9e", None);
    c.muted(left + 30.0, 15.0, "start", "onset → recovery");
    c.muted(left + 160.0, 15.0, "start", "edge error rate:");
    for (k, (label, rate)) in [("10 %", 0.1), ("50 %", 0.5), ("100 %", 1.0)].iter().enumerate() {
        let x = left + 260.0 + k as f64 * 70.0;
        c.rect(x, 6.0, 14.0, 10.0, rate_colour(*rate), None);
        c.muted(x + 18.0, 15.0, "start", *label);
    }
    c.muted(right + 8.0, 15.0, "start", "lag");
    if ch.propagation.is_empty() {
        c.muted(f64::midpoint(left, right), top + row / 2.0 + 4.0, "middle", "no POP was affected");
    }
    for (i, p) in ch.propagation.iter().enumerate() {
        let y = top + row * i as f64;
        c.text(left - 8.0, y + row / 2.0 + 4.0, "end", p.pop.clone());
        let x0 = x_of(axis, p.onset_offset, left, right);
        let x1 = x_of(axis, p.recovery_offset, left, right);
        let tip = format!(
            "{} ({}): onset {} UTC, recovery {}{}",
            p.pop,
            p.region,
            crate::text::hhmm(p.onset),
            p.recovery.map_or_else(
                || "not before the end of the data".to_string(),
                |t| format!("{} UTC", crate::text::hhmm(t))
            ),
            if p.transitions > 0 { format!(", {} flapping transitions", p.transitions) } else { String::new() }
        );
        c.outline((x0, y + 2.0, x1 - x0, row - 4.0), "#f6f6f6", "#9e9e9e", Some(tip));
        // Runs of columns with the same shade become one rectangle.
        let level = |v: Option<f64>| v.map_or(0, |r| (r.clamp(0.0, 1.0) * 10.0).ceil() as u8);
        let mut j = 0;
        while j < p.edge_rate.len() {
            let l = level(p.edge_rate.get(j).copied().flatten());
            let mut k = j + 1;
            while k < p.edge_rate.len() && level(p.edge_rate.get(k).copied().flatten()) == l {
                k += 1;
            }
            if l > 0 {
                let x = left + cw * j as f64;
                c.rect(x, y + 3.0, cw * (k - j) as f64, row - 6.0, rate_colour(f64::from(l) / 10.0), None);
            }
            j = k;
        }
        c.rect(x0 - 1.0, y + 1.0, 2.0, row - 2.0, "#000000".to_string(), None);
        c.muted(
            right + 8.0,
            y + row / 2.0 + 4.0,
            "start",
            format!("+{}", crate::text::duration(p.lag_seconds.round() as i64)),
        );
    }
    time_axis(&mut c, axis, left, right, top, bottom);
    let mut h = bottom + 26.0;
    if ch.propagation_hidden > 0 {
        c.muted(
            left,
            bottom + 36.0,
            "start",
            format!("{} more affected POPs are in the POP table", ch.propagation_hidden),
        );
        h += 16.0;
    }
    c.height = n(h);
    c
}

fn signatures(r: &Report) -> Chart {
    let ch = &r.charts;
    let mut c = Chart::new("Events per signature over time (UTC), stacked");
    let (left, right, top, plot) = (70.0, WIDTH - 12.0, 34.0, 200.0);
    let axis = &ch.axis;
    let cw = (right - left) / axis.columns.max(1) as f64;
    let bottom = top + plot;
    let max = ch.signatures_max.max(1) as f64;
    let mut x = left;
    for s in &ch.signatures {
        c.rect(x, 8.0, 12.0, 12.0, signature_colour(&s.id).to_string(), None);
        let label = format!("{} ({})", s.id, s.total);
        c.text(x + 16.0, 18.0, "start", label.clone());
        x += 16.0 + 7.0 * label.len() as f64 + 18.0;
    }
    if ch.signatures.is_empty() {
        c.muted(f64::midpoint(left, right), top + plot / 2.0, "middle", "no event carried a signature");
    }
    for frac in [0.5, 1.0] {
        let y = bottom - plot * frac;
        c.line((left, y), (right, y), "#e0e0e0");
        c.muted(left - 6.0, y + 4.0, "end", format!("{:.0}", max * frac));
    }
    c.muted(left - 6.0, bottom + 4.0, "end", "0");
    for j in 0..axis.columns {
        let mut y = bottom;
        for s in &ch.signatures {
            let v = s.counts.get(j).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let h = plot * v as f64 / max;
            y -= h;
            c.rect(left + cw * j as f64, y, cw * 0.9, h, signature_colour(&s.id).to_string(), None);
        }
    }
    time_axis(&mut c, axis, left, right, top, bottom);
    c.height = n(bottom + 26.0);
    c
}

fn render(chart: &Chart) -> crate::Result<String> {
    let env = super::common::environment();
    Ok(env.render_str(TEMPLATE, chart)?)
}

/// Renders every chart of a report.
pub fn render_all(r: &Report) -> crate::Result<RenderedCharts> {
    Ok(RenderedCharts {
        heatmap: render(&heatmap(r))?,
        propagation: render(&propagation(r))?,
        signatures: render(&signatures(r))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_and_numbers() {
        assert_eq!(rate_colour(0.0), "#f1f3f5");
        assert_eq!(rate_colour(1.0), "#a50f15");
        assert_eq!(n(12.0), "12");
        assert_eq!(n(12.25), "12.2");
    }

    #[test]
    fn text_is_escaped() {
        let mut c = Chart::new("<b>");
        c.text(0.0, 0.0, "start", "<script>alert(1)</script>\"'&");
        c.height = "10".into();
        let s = render(&c).unwrap_or_default();
        assert!(s.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;&quot;&#x27;&amp;"), "{s}");
        assert!(!s.contains("<script") && !s.contains("<b>"));
    }
}
