//! Unit tests of every configuration diagnostic.
