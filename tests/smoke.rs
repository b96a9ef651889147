mod common;
use common::*;

#[test]
fn probe_reports_from_inside() {
    let mut b = Bundle::new("smoke");
    let r = b.report();
    assert_eq!(r["pid"], 1);
    assert_eq!(r["hostname"], "probe-host");
    assert_eq!(r["uid"], 0);
    drop(r);
    b.assert_clean();
}
