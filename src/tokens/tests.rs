//! Unit tests of issuing and verifying, with time as a parameter.
