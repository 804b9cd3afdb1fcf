"""Game days: scenarios of drills, faults, waits, checks and pauses, run step by step."""
