namespace Speaking.Application.Common;

public enum InputState
{
    /// <summary>The field was not sent.</summary>
    Missing,
    /// <summary>The field was sent as an explicit JSON null.</summary>
    Null,
    /// <summary>The field was sent with a value of the right type.</summary>
    Present,
    /// <summary>The field was sent with a value that is not of the field's type (kept in <see cref="Input{T}.Raw"/>).</summary>
    Invalid,
}

/// <summary>
/// One field of a request exactly as the client sent it, so that validation can tell "missing" from "null"
/// from "wrong type" and answer with the contract's 422 items. The API layer only reads; validators judge.
/// </summary>
public readonly record struct Input<T>(InputState State, T? Value, object? Raw)
{
    public static Input<T> Missing => new(InputState.Missing, default, null);

    public static Input<T> Null => new(InputState.Null, default, null);

    public static Input<T> Of(T value) => new(InputState.Present, value, value);

    public static Input<T> Invalid(object? raw) => new(InputState.Invalid, default, raw);

    public bool IsPresent => State == InputState.Present;

    /// <summary>The value, or <paramref name="fallback"/> when the field was not sent.</summary>
    public T ValueOr(T fallback) => IsPresent ? Value! : fallback;

    public static implicit operator Input<T>(T value) => Of(value);
}

/// <summary>How the request body arrived, for endpoints that require one.</summary>
public enum BodyShape
{
    Object,
    Missing,
    NotAnObject,
}
