using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Auth;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;
using Speaking.Domain.Practice;
using Speaking.Infrastructure.Limits;
using Speaking.Domain.Sessions;
using Speaking.Infrastructure.Practice;
using Speaking.Domain.Common;
using Speaking.Domain.Users;

namespace Speaking.UnitTests.Support;

/// <summary>Small builders shared by the handler tests.</summary>
public static class Fakes
{
    public static readonly DateTime Now = new(2026, 2, 5, 14, 3, 27, DateTimeKind.Utc);

    public static IClock ClockAt(DateTime now)
    {
        var clock = Substitute.For<IClock>();
        clock.UtcNow.Returns(now);
        return clock;
    }

    /// <summary>The login and registration limits over the in-memory shared counters, on <paramref name="time"/>.</summary>
    public static AuthAttempts Attempts(TimeProvider time, LoginLimits? login = null, RegistrationLimits? registration = null) =>
        new(new InMemoryAttemptLimiter(time), Options.Create(login ?? new LoginLimits()), Options.Create(registration ?? new RegistrationLimits()));

    /// <summary>The real topic bank, as shipped.</summary>
    public static TopicBank Bank { get; } = TopicBankLoader.LoadEmbedded();

    /// <summary>LEVEL_SOURCE=self: every user's current_level, no storage involved.</summary>
    public static IEffectiveLevel SelfLevels { get; } = new EffectiveLevel(Substitute.For<IFeedbackRepository>(),
        Options.Create(new PracticeOptions()), ClockAt(Now), NullLogger<EffectiveLevel>.Instance);

    /// <summary>Card assignment over a fake store that keeps whatever it is asked to store (and has no history).</summary>
    public static PracticeAssignment Practice(IPracticeRepository? store = null)
    {
        if (store is null)
        {
            store = Substitute.For<IPracticeRepository>();
            store.RecentCardsAsync(default!, default!, default, default)
                .ReturnsForAnyArgs(new Dictionary<Guid, IReadOnlySet<string>>());
            store.AssignAsync(default!, default).ReturnsForAnyArgs(call => call.Arg<IReadOnlyList<PracticeAssignmentRecord>>());
        }

        return new PracticeAssignment(store, Bank, ClockAt(Now), NullLogger<PracticeAssignment>.Instance);
    }

    public static User User(Guid? id = null, string email = "ann@example.com", string username = "ann", double level = 6.0,
        double target = 7.0, string passwordHash = "hash") =>
        Speaking.Domain.Users.User.Restore(id ?? Guid.NewGuid(), email, passwordHash, username, level, target, false, Now, Now);

    /// <summary>Connection <paramref name="number"/> of a node (node "a" unless told).</summary>
    public static ConnectionRef Connection(long number, string node = "a") => new(node, number);

    /// <summary>An active roulette session that started five minutes ago; <paramref name="initiator"/> is user1.</summary>
    public static Session ActiveSession(Guid initiator, Guid callee) =>
        Session.Start(Guid.NewGuid(), initiator, callee, QueueMode.Roulette, "room_0123456789ab", Now.AddMinutes(-5));

    /// <summary><paramref name="user"/>'s side of <paramref name="session"/> as the repository returns it.</summary>
    public static Participation Side(Session session, Guid user, ConnectionRef? connection, ConnectionRef? partnerConnection,
        DateTime? reconnectDeadline = null) => new(session, user, connection, reconnectDeadline, partnerConnection);

    /// <summary>A JSON value that outlives its document.</summary>
    public static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}

/// <summary>An <see cref="IClock"/> that reads a <see cref="TimeProvider"/> the test moves.</summary>
public sealed class MovableClock(TimeProvider time) : IClock
{
    public DateTime UtcNow => time.GetUtcNow().UtcDateTime;
}

/// <summary>A <see cref="TimeProvider"/> whose time only moves when the test says so.</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _ticks;
    private DateTimeOffset _utcNow = start;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _ticks;

    public override DateTimeOffset GetUtcNow() => _utcNow;

    public void Advance(TimeSpan by)
    {
        _ticks += by.Ticks;
        _utcNow += by;
    }
}
