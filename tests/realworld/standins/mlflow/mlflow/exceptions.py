"""Stand-in for `mlflow.exceptions`."""


class MlflowException(Exception):
    def __init__(self, message: object, error_code: object = None, **kwargs: object) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.error_code = error_code
