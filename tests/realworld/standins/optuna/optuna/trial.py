"""Stand-in for `optuna.trial.TrialState` (its member names are SQL enum values)."""

import enum


class TrialState(enum.IntEnum):
    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAIL = 3
    WAITING = 4
