"""The job engine: workers that claim due jobs and walk them through their steps."""
