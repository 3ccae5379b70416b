"""Models, status enums with their transition tables, errors, clock: no I/O, no HTTP, no SQL."""
