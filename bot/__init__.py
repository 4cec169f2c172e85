"""Study-guide bot for Clark, *Japan's Role in Gorbachev's Agenda* (IDA P-2131, 1988)."""
