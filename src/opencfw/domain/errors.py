"""The one exception root of opencfw.

Every error a client can see is an ``OpenCfwError`` subclass carrying its stable ``error_code`` and
HTTP status. The API turns them into the documented body in exactly one place.
"""

from __future__ import annotations


class OpenCfwError(Exception):
    """Root of every error that maps to an API answer."""

    error_code = "CFW.00100001"
    http_status = 500
    default_message = "System busy. Try again later."
    #: gateway-style errors carry ``request_id`` in the body too (spec section 6)
    gateway = False

    def __init__(self, message: str | None = None) -> None:
        self.error_msg = message or self.default_message
        super().__init__(self.error_msg)


# -- gateway (authentication and routing) ---------------------------------------------------------


class Unauthenticated(OpenCfwError):
    error_code = "APIGW.0301"
    http_status = 401
    default_message = "Incorrect IAM authentication information: verify aksk signature fail"
    gateway = True


class TokenExpired(OpenCfwError):
    error_code = "APIGW.0307"
    http_status = 401
    default_message = "The token has expired"
    gateway = True


class Forbidden(OpenCfwError):
    error_code = "APIGW.0302"
    http_status = 403
    default_message = "The IAM user is not authorized to access this project"
    gateway = True


class RouteNotFound(OpenCfwError):
    error_code = "APIGW.0101"
    http_status = 404
    default_message = "The API does not exist or has not been published in the environment"
    gateway = True


class MethodNotAllowed(OpenCfwError):
    error_code = "APIGW.0102"
    http_status = 405
    default_message = "The HTTP method is not allowed on this API"
    gateway = True

    def __init__(self, method: str, allowed: list[str]) -> None:
        self.allowed = sorted(allowed)
        super().__init__(f"Method {method} is not allowed here; allowed: {', '.join(self.allowed)}")


class PayloadTooLarge(OpenCfwError):
    error_code = "APIGW.0201"
    http_status = 413
    default_message = "The request body is too large"
    gateway = True


# -- service errors ---------------------------------------------------------------------------------


class BadParameter(OpenCfwError):
    error_code = "CFW.00200001"
    http_status = 400
    default_message = "Invalid request parameter"


class NotFound(OpenCfwError):
    error_code = "CFW.00200005"
    http_status = 400
    default_message = "The object does not exist"


class NameConflict(OpenCfwError):
    error_code = "CFW.00200007"
    http_status = 400
    default_message = "The name already exists"


class InUse(OpenCfwError):
    error_code = "CFW.00200004"
    http_status = 400
    default_message = "can not delete for used"


class DuplicateRequest(OpenCfwError):
    error_code = "CFW.00200009"
    http_status = 400
    default_message = (
        "A request with the same param already exists (the X-Client-Token was used for another body)"
    )


class InstanceStatusError(OpenCfwError):
    error_code = "CFW.00200016"
    http_status = 400
    default_message = "The firewall instance status does not allow this operation"


class StoreUnavailable(OpenCfwError):
    error_code = "CFW.00100001"
    http_status = 503
    default_message = "System busy. Try again later."


class InternalError(OpenCfwError):
    error_code = "CFW.00100001"
    http_status = 500
    default_message = "System busy. Try again later."


class InvalidTransition(RuntimeError):
    """A status change that the transition table forbids: a bug, never a client's fault."""
