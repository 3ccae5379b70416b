"""The rules of the system: pure logic over a store and a clock, no HTTP and no SQL text."""
