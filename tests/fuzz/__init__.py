"""The differential fuzzer: kqlite against Microsoft's KQL analyzer, and against crashes."""
