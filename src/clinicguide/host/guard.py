"""Every plugin is registered guarded: each hook implementation names its plugin when it fails.

pluggy decides the order of the implementations, runs wrappers and stops first-result
hooks; it does not say which plugin raised an exception or returned a wrong value. So
each plugin is registered as a :class:`Guarded` stand-in that holds the plugin's hook
implementations, each wrapped to

- turn an exception into a :class:`PluginError` naming the plugin and the hook, with the
  patient's identifiers removed (clinicguide's own input errors from a built-in plugin,
  and errors that already name a plugin, pass through as they are);
- check the value against what the hook may return (:mod:`.checks`);
- report the answer to :func:`collecting`, for results that must be attributed to a plugin.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import pluggy

from ..errors import ClinicguideError, PluginError
from .checks import NO_HIDDEN_FAILURE, Impl, check_result, check_wrapped

#: (plugin, hook, answer) of every implementation called inside :func:`collecting`.
_answers: ContextVar[list[tuple[str, str, object]] | None] = ContextVar("clinicguide_answers", default=None)


@contextmanager
def collecting() -> Iterator[list[tuple[str, str, object]]]:
    """Collect (plugin, hook, answer) of every implementation called in the block, in call order."""
    found: list[tuple[str, str, object]] = []
    token = _answers.set(found)
    try:
        yield found
    finally:
        _answers.reset(token)


class Guarded:
    """What pluggy registers for one plugin: its hook implementations, each guarded.

    Other attributes are the plugin's own, and a Guarded equals another of the same
    plugin, so pluggy still refuses one plugin registered under two names.
    """

    guarded_plugin: object  # the plugin as given
    guarded_builtin: bool  # one of clinicguide's own plugins

    def __init__(self, pm: pluggy.PluginManager, plugin: object, name: str, builtin: bool) -> None:
        self.guarded_plugin, self.guarded_builtin = plugin, builtin
        for attr in dir(plugin):
            opts = pm.parse_hookimpl_opts(plugin, attr)  # exactly the attributes pluggy would register
            if opts is not None:
                impl = Impl(name, opts.get("specname") or attr, builtin)
                setattr(self, attr, guarded(getattr(plugin, attr), dict(opts), impl, pm.project_name))

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("guarded_"):  # not set yet: never look in the plugin for these
            raise AttributeError(attr)
        return getattr(self.guarded_plugin, attr)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Guarded) and self.guarded_plugin is other.guarded_plugin

    def __hash__(self) -> int:
        return id(self.guarded_plugin)

    def __repr__(self) -> str:
        return repr(self.guarded_plugin)


def guarded(function: Callable[..., Any], opts: dict[str, Any], impl: Impl, project: str) -> Callable[..., Any]:
    """``function`` wrapped as the module docstring says, carrying the same hookimpl options."""
    if opts.get("hookwrapper"):
        # An old-style wrapper may force any result through pluggy's Result, past every check.
        raise impl.error("hookwrapper=True is not supported; write the wrapper with wrapper=True")
    if opts.get("wrapper") and not inspect.isgeneratorfunction(function):
        raise impl.error("a wrapper (wrapper=True) must be a generator function")
    names = tuple(inspect.signature(function).parameters)  # pluggy passes arguments in this order
    guard = _guard_wrapper(function, impl, names) if opts.get("wrapper") else _guard_call(function, impl, names)
    setattr(guard, f"{project}_impl", opts)
    return guard


def _arguments(names: tuple[str, ...], args: tuple[object, ...], kwargs: Mapping[str, object]) -> dict[str, object]:
    """The arguments of one call by name (pluggy passes those with a default by keyword)."""
    return {**dict(zip(names, args, strict=False)), **kwargs}


def _passes(impl: Impl, exc: Exception) -> bool:
    """Whether ``exc`` reaches the host as it is: it names a plugin already, or is a built-in's input error."""
    return isinstance(exc, PluginError) or (impl.builtin and isinstance(exc, ClinicguideError))


#: Hooks handed the patient (a record, a reference, or resources about them). Their
#: implementations' own exceptions are reported without their text: it is the plugin's,
#: and typically names what it was working on (``KeyError: 'Patient/123'``).
PATIENT_HOOKS = frozenset({"clinicguide_screen", "clinicguide_patient_context", "clinicguide_fhir_bundle",
                           "clinicguide_process_careplan", "clinicguide_process_consent", "clinicguide_process_bundle"})


def _named(impl: Impl, exc: Exception, arguments: Mapping[str, object]) -> PluginError:
    """The PluginError that reports ``exc``: built without the patient's values, then redacted.

    Raise it outside the ``except`` block that caught ``exc``, so that ``exc`` (whose
    text and arguments may hold the patient) is neither its ``__cause__`` nor its
    ``__context__`` and no logged traceback shows it.
    """
    from .redact import redacted  # only when a plugin has failed

    if isinstance(exc, ClinicguideError):
        return impl.error(redacted(str(exc), arguments))
    if impl.hook in PATIENT_HOOKS:
        return impl.error(f"raised {type(exc).__name__} {_where(exc)}; its message is not shown, as it may hold "
                          "patient data (run the plugin's own tests to see it)")
    return impl.error(f"raised {type(exc).__name__}: {redacted(str(exc), arguments)}")


def _where(exc: BaseException) -> str:
    """Where in the plugin ``exc`` was raised: file name, line and function of the innermost frame."""
    import traceback  # only when a plugin has failed

    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "(no traceback)"
    frame = frames[-1]
    return f"at {Path(frame.filename).name}:{frame.lineno} in {frame.name}"


def _guard_call(function: Callable[..., Any], impl: Impl, names: tuple[str, ...]) -> Callable[..., Any]:
    @functools.wraps(function)
    def guard(*args: object, **kwargs: object) -> object:
        arguments = _arguments(names, args, kwargs)
        failure: PluginError | None = None
        try:
            result = function(*args, **kwargs)
        except Exception as exc:  # third-party code: report it by name, never as a bare traceback
            if _passes(impl, exc):
                raise
            failure = _named(impl, exc, arguments)
        if failure is not None:
            raise failure  # outside the handler: see _named
        check_result(impl, result, arguments)
        if (found := _answers.get()) is not None:
            found.append((impl.plugin, impl.hook, result))
        return result

    return guard


def _guard_wrapper(function: Callable[..., Any], impl: Impl, names: tuple[str, ...]) -> Callable[..., Any]:
    """A new-style wrapper (``wrapper=True``): a generator that yields once to the implementations it wraps."""

    @functools.wraps(function)
    def guard(*args: object, **kwargs: object) -> Generator[None, object, object]:
        arguments = _arguments(names, args, kwargs)
        failure: PluginError | None = None
        try:
            teardown = function(*args, **kwargs)
            next(teardown)
        except StopIteration:
            raise impl.error("a wrapper must yield once") from None
        except Exception as exc:
            if _passes(impl, exc):
                raise
            failure = _named(impl, exc, arguments)
        if failure is not None:
            raise failure  # outside the handler: see _named
        try:
            inner = yield
        except Exception as failure:
            result = _resume(impl, arguments, teardown, failure=failure)
            if impl.hook in NO_HIDDEN_FAILURE:
                raise impl.error("a wrapper may not hide the failure of the implementations it wraps") from failure
            check_wrapped(impl, None, result, arguments)
            return result
        result = _resume(impl, arguments, teardown, inner=inner)
        check_wrapped(impl, inner, result, arguments)
        return result

    return guard


def _resume(impl: Impl, arguments: Mapping[str, object], teardown: Generator[None, object, object],
            inner: object = None, failure: Exception | None = None) -> object:
    """Run a wrapper's code after its ``yield`` with the result (or failure) it wrapped; its return value."""
    named: PluginError | None = None
    try:
        if failure is not None:
            teardown.throw(failure)
        else:
            teardown.send(inner)
    except StopIteration as stop:
        return stop.value
    except Exception as exc:
        if exc is failure or _passes(impl, exc):
            raise  # the wrapped failure, let through
        named = _named(impl, exc, arguments)
    if named is not None:
        raise named  # outside the handler: see _named
    teardown.close()
    raise impl.error("a wrapper must yield only once")
