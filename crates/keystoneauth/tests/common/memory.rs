//! Peak memory of a scenario, measured in a child process: the test binary
//! runs itself again with one test selected and `KSA_MEM_SCENARIO` set;
//! that test resets its `VmHWM` (peak resident set), runs the scenario and
//! prints how much the peak grew.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

/// One mebibyte.
pub const MIB: u64 = 1024 * 1024;

const SCENARIO: &str = "KSA_MEM_SCENARIO";
const URL: &str = "KSA_MEM_URL";
const MARK: &str = "KSA_MEM_GROWTH_KIB=";

/// A `kB` field of `/proc/self/status`.
pub fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// Runs `test` (a test of this binary that calls [`run_child_scenario`])
/// in a child process with `scenario` and `url`, and returns how many KiB
/// its peak resident memory grew while running the scenario. Panics with
/// the child's output when it fails.
pub fn child_growth_kib(test: &str, scenario: &str, url: &str) -> u64 {
    child_run(test, scenario, url).0
}

/// Like [`child_growth_kib`], also returning what the child printed.
pub fn child_run(test: &str, scenario: &str, url: &str) -> (u64, String) {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([test, "--exact", "--nocapture", "--test-threads", "1"])
        .env(SCENARIO, scenario)
        .env(URL, url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "scenario {scenario} failed:\n{stdout}\n{stderr}");
    let growth = stdout
        .lines()
        .find_map(|l| l.split_once(MARK).map(|(_, v)| v))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("scenario {scenario} printed no growth:\n{stdout}\n{stderr}"));
    (growth, stdout.into_owned())
}

/// The child's side. Does nothing unless this process was started by
/// [`child_growth_kib`]. `setup(scenario, url)` prepares (runtime, session,
/// a warm-up request) and returns the measured part.
pub fn run_child_scenario(setup: impl FnOnce(String, String) -> Box<dyn FnOnce()>) {
    let (Ok(scenario), Ok(url)) = (std::env::var(SCENARIO), std::env::var(URL)) else {
        return;
    };
    let run = setup(scenario, url);
    // Reset the peak to the current resident set (Linux >= 4.0), so the
    // growth is that of the scenario alone.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let base = status_kib("VmHWM");
    run();
    let peak = status_kib("VmHWM");
    println!("\n{MARK}{}", peak.saturating_sub(base));
}
