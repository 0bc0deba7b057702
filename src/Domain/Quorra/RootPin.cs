using System.Security.Cryptography;
using System.Text;

namespace Speaking.Domain.Quorra;

/// <summary>
/// The PIN that opens Quorra's system routes. The original opened them with "0000" when nothing was configured;
/// here an unset PIN and that default both leave the routes closed, and comparison takes the same time whatever
/// the guess (both sides are hashed first, so not even the length leaks).
/// </summary>
public sealed class RootPin
{
    public const string OriginalDefault = "0000";
    private readonly byte[]? _digest;

    private RootPin(string? configured)
    {
        if (!string.IsNullOrEmpty(configured) && configured != OriginalDefault) _digest = Digest(configured);
    }

    public static RootPin From(string? configured) => new(configured);

    public bool IsConfigured => _digest is not null;

    public bool Matches(string? candidate) =>
        _digest is not null && candidate is not null && CryptographicOperations.FixedTimeEquals(_digest, Digest(candidate));

    private static byte[] Digest(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));
}
