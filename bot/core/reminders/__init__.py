"""Review reminders as pure logic: when the next one goes out, and what it says."""
