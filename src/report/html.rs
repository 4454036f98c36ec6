//! `report.html`: one self-contained page (inline CSS and SVG, no scripts, no fetches) from a
//! template that escapes every value by default. The filters below only format values.

use minijinja::value::Value;
use minijinja::{context, Environment};

use super::common::environment;
use super::svg::RenderedCharts;
use super::Report;
use crate::text::{datetime, duration, hms, thousands};

const REPORT: &str = include_str!("templates/report.html");
const INDEX: &str = include_str!("templates/index.html");

fn as_f64(v: &Value) -> Option<f64> {
    if v.is_none() || v.is_undefined() {
        return None;
    }
    f64::try_from(v.clone()).ok()
}

fn env() -> Environment<'static> {
    let mut env = environment();
    env.add_filter("num", |v: Value| as_f64(&v).map_or_else(|| "—".to_string(), |x| thousands(x.max(0.0) as u64)));
    env.add_filter("pct", |v: Value| as_f64(&v).map_or_else(|| "—".to_string(), |x| format!("{:.1} %", x * 100.0)));
    env.add_filter("fixed2", |v: Value| as_f64(&v).map_or_else(|| "—".to_string(), |x| format!("{x:.2}")));
    env.add_filter("dur", |v: Value| as_f64(&v).map_or_else(|| "—".to_string(), |x| duration(x as i64)));
    env.add_filter("datetime", |v: Value| v.as_str().map_or_else(|| "—".to_string(), datetime));
    env.add_filter("hms", |v: Value| v.as_str().map_or_else(|| "—".to_string(), hms));
    env.add_filter("pathseg", |v: Value| super::common::path_segment(v.as_str().unwrap_or("")));
    env.add_filter("blame", |v: Value| super::common::blame(v.as_str().unwrap_or("")).to_string());
    env
}

/// Renders the report page, with the charts inline.
pub fn render(r: &Report, charts: &RenderedCharts) -> crate::Result<String> {
    let env = env();
    let charts = context! {
        heatmap => charts.heatmap,
        propagation => charts.propagation,
        signatures => charts.signatures,
    };
    Ok(env.render_str(REPORT, context! { r => Value::from_serialize(r), charts })?)
}

/// Renders the index page of a batch.
pub fn render_index(index: &super::batch::Index) -> crate::Result<String> {
    Ok(env().render_str(INDEX, context! { x => Value::from_serialize(index) })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(duration(20_580), "5 h 43 min");
        assert_eq!(duration(300), "5 min");
        assert_eq!(duration(61), "1 min 1 s");
        assert_eq!(datetime("2025-11-18T11:19:00.000Z"), "2025-11-18 11:19:00");
        assert_eq!(hms("2025-11-18T11:19:00.000Z"), "11:19:00");
    }
}
