"""Stand-in for `optuna.study.StudyDirection` (its member names are SQL enum values)."""

import enum


class StudyDirection(enum.IntEnum):
    NOT_SET = 0
    MINIMIZE = 1
    MAXIMIZE = 2
