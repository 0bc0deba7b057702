using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;

namespace Speaking.Application.Auth;

/// <summary>
/// The limits on logging in and registering (D-8, issue 12 item 7), for Speaking and the Quorra module alike, as
/// reservations taken before the password hash: however many requests arrive at once, on however many nodes, at most
/// the limit are evaluated. A login holds one attempt for its account and one for its client address; a successful
/// login gives both back, a failed one keeps them until they age out of the window, so only failures count. A
/// registration holds one attempt for its client address and keeps it whatever the outcome (see
/// <see cref="TryBeginRegistrationAsync"/>). These bound guessing speed and account creation; they are not an
/// account lock-out.
/// </summary>
public sealed class AuthAttempts(IAttemptLimiter limiter, IOptions<LoginLimits> login, IOptions<RegistrationLimits> registration)
{
    /// <summary>Longer account names are counted under their SHA-256 (a login form may carry 16 KiB of "email").</summary>
    private const int LongestKeptName = 256;

    /// <summary>The account key of a Speaking login: the email, case-insensitive.</summary>
    public static string EmailAccount(string email) => "email:" + Bounded(email.ToLowerInvariant());

    /// <summary>The account key of a Quorra login: the username, case-insensitive, apart from Speaking's emails.</summary>
    public static string QuorraAccount(string username) => "quorra:" + Bounded(username.ToLowerInvariant());

    /// <summary>
    /// Reserves one attempt for <paramref name="account"/> and one for <paramref name="address"/> (when known; shared
    /// by every kind of login from it). Null, holding nothing, when either limit is reached.
    /// </summary>
    public async Task<HeldAttempts?> TryBeginLoginAsync(string account, string? address, CancellationToken ct)
    {
        var limits = login.Value;
        var window = TimeSpan.FromSeconds(limits.WindowSeconds);
        var byAccount = await limiter.TryReserveAsync("login:account:" + account, limits.MaxFailuresPerEmail, window, ct);
        if (byAccount is null) return null;
        if (address is null) return new HeldAttempts(limiter, [byAccount]);

        AttemptReservation? byAddress;
        try
        {
            byAddress = await limiter.TryReserveAsync("login:address:" + Bounded(address), limits.MaxFailuresPerAddress, window, ct);
        }
        catch
        {
            await limiter.ReleaseAsync(byAccount);
            throw;
        }

        if (byAddress is not null) return new HeldAttempts(limiter, [byAccount, byAddress]);
        await limiter.ReleaseAsync(byAccount);
        return null;
    }

    /// <summary>
    /// Reserves one registration for the client address. The handler keeps it whether an account was created or the
    /// name was taken: both cost a password hash, and a refusal tells the client the name exists, so neither may be
    /// repeated without limit. It is given back only when the attempt failed on our side (an exception).
    /// </summary>
    public async Task<HeldAttempts?> TryBeginRegistrationAsync(string? address, CancellationToken ct)
    {
        var limits = registration.Value;
        var held = await limiter.TryReserveAsync("register:address:" + Bounded(address ?? "unknown"), limits.MaxPerAddress,
            TimeSpan.FromSeconds(limits.WindowSeconds), ct);
        return held is null ? null : new HeldAttempts(limiter, [held]);
    }

    private static string Bounded(string name) => name.Length <= LongestKeptName
        ? name
        : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
}

/// <summary>
/// Attempts a request holds. Doing nothing keeps them (they count until the window passes); <see cref="ReleaseAsync"/>
/// gives them back (a success, or a failure on our side that says nothing about the credentials).
/// </summary>
public sealed class HeldAttempts(IAttemptLimiter limiter, IReadOnlyList<AttemptReservation> reservations)
{
    public async Task ReleaseAsync()
    {
        foreach (var reservation in reservations) await limiter.ReleaseAsync(reservation);
    }
}
