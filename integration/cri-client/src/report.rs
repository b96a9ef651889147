//! The TAP-like lines every integration script of berth prints.

/// What a step returns: a note for the `ok` line, or why it failed.
pub type Res<T> = Result<T, String>;

#[derive(Default)]
pub struct Report {
    n: u32,
    passed: u32,
    failed: u32,
    skipped: u32,
}

impl Report {
    pub fn ok(&mut self, what: &str) {
        self.n += 1;
        self.passed += 1;
        println!("ok {} - {what}", self.n);
    }

    pub fn fail(&mut self, what: &str, why: &str) {
        self.n += 1;
        self.failed += 1;
        println!("not ok {} - {what}", self.n);
        for line in why.lines() {
            println!("#   {line}");
        }
    }

    pub fn skip(&mut self, what: &str, why: &str) {
        self.n += 1;
        self.skipped += 1;
        println!("ok {} - {what} # SKIP {why}", self.n);
    }

    /// One line for a step's outcome; the note, when there is one, goes in
    /// parentheses so that the figures a reader wants are on the line.
    pub fn step(&mut self, what: &str, outcome: Res<String>) -> bool {
        match outcome {
            Ok(note) if note.is_empty() => {
                self.ok(what);
                true
            }
            Ok(note) => {
                self.ok(&format!("{what} ({note})"));
                true
            }
            Err(why) => {
                self.fail(what, &why);
                false
            }
        }
    }

    /// The last line; true when nothing failed.
    pub fn summary(&self) -> bool {
        println!("{} passed, {} failed, {} skipped", self.passed, self.failed, self.skipped);
        self.failed == 0
    }
}
