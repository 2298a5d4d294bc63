//! Hostile configuration inputs shared by the keystoneauth and ksa tests
//! (ksa's tests include this file by path).

/// A YAML alias bomb ("billion laughs"): each of `levels` anchors names the
/// one before ten times, so a few hundred bytes stand for `10^(levels+1)`
/// scalars; the last level is a value of cloud `c`.
pub fn alias_bomb(levels: usize) -> String {
    let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..=levels {
        let p = i - 1;
        doc += &format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n");
    }
    doc + &format!("clouds:\n  c:\n    auth:\n      auth_url: http://k:5000/v3\n    x: *a{levels}\n")
}
