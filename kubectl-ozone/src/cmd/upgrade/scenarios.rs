//! Scenario tests of `upgrade` against the fakes.
