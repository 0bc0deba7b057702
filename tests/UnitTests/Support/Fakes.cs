using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Auth;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Domain.Practice;
using Speaking.Infrastructure.Limits;
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
