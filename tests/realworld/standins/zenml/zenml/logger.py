"""Stand-in for `zenml.logger.get_logger`."""

import logging


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)
