using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Speaking.Application.Auth;
using Speaking.Application.Common;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application;

public class RegisterCommandHandlerTests
{
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IPasswordHasher _hasher = Substitute.For<IPasswordHasher>();
    private readonly ITokenIssuer _tokens = Substitute.For<ITokenIssuer>();
    private readonly RegisterCommandHandler _handler;

    public RegisterCommandHandlerTests()
    {
        _hasher.Hash("secret1").Returns("hashed");
        _tokens.Issue(Arg.Any<Guid>()).Returns("jwt");
        _users.TryAddAsync(Arg.Any<User>(), Arg.Any<CancellationToken>()).Returns(true);
        _handler = new RegisterCommandHandler(_users, _hasher, _tokens, Fakes.ClockAt(Fakes.Now), Fakes.Attempts(TimeProvider.System));
    }

    private static RegisterCommand Command(Input<double> level, Input<double> target) =>
        new(BodyShape.Object, " Ann <Ann@Example.COM> ", "secret1", "ann", level, target, "10.0.0.1");

    [Fact]
    public async Task Handle_StoresTheNormalisedEmailTheHashAndTheDefaults()
    {
        var result = await _handler.Handle(Command(Input<double>.Missing, Input<double>.Missing), default);

        result.IsSuccess.ShouldBeTrue();
        await _users.Received(1).TryAddAsync(Arg.Is<User>(u => u.Email == "Ann@example.com" && u.PasswordHash == "hashed"
            && u.Username == "ann" && u.CurrentLevel == 6.0 && u.TargetScore == 7.0 && !u.IsOnline
            && u.CreatedAt == Fakes.Now && u.LastSeen == Fakes.Now), Arg.Any<CancellationToken>());
        result.Value.AccessToken.ShouldBe("jwt");
        result.Value.TokenType.ShouldBe("bearer");
        result.Value.User.Email.ShouldBe("Ann@example.com");
        _tokens.Received(1).Issue(result.Value.User.Id);
    }

    [Fact]
    public async Task Handle_KeepsGivenLevels()
    {
        var result = await _handler.Handle(Command(5.5, 8.5), default);

        result.Value.User.CurrentLevel.ShouldBe(5.5);
        result.Value.User.TargetScore.ShouldBe(8.5);
    }

    [Fact]
    public async Task Handle_AnswersEmailTakenWhenTheRepositoryRefuses()
    {
        _users.TryAddAsync(Arg.Any<User>(), Arg.Any<CancellationToken>()).Returns(false);

        var result = await _handler.Handle(Command(Input<double>.Missing, Input<double>.Missing), default);

        result.Error.ShouldBe(UserErrors.EmailTaken);
        result.Error!.Detail.ShouldBe("Email already registered");
        _tokens.DidNotReceive().Issue(Arg.Any<Guid>());
    }

    [Fact]
    public async Task Handle_RefusesAnAddressOverItsLimit_BeforeHashing_AndCountsTakenEmails()
    {
        var handler = new RegisterCommandHandler(_users, _hasher, _tokens, Fakes.ClockAt(Fakes.Now),
            Fakes.Attempts(TimeProvider.System, registration: new RegistrationLimits { MaxPerAddress = 2, WindowSeconds = 60 }));
        _users.TryAddAsync(Arg.Any<User>(), Arg.Any<CancellationToken>()).Returns(true, false);

        (await handler.Handle(Command(5.5, 8.5), default)).IsSuccess.ShouldBeTrue();
        (await handler.Handle(Command(5.5, 8.5), default)).Error.ShouldBe(UserErrors.EmailTaken);
        _hasher.ClearReceivedCalls();

        var refused = await handler.Handle(Command(5.5, 8.5), default);

        refused.Error.ShouldBe(UserErrors.TooManyRegistrations);
        refused.Error!.Detail.ShouldBe("Too many registration attempts");
        _hasher.DidNotReceiveWithAnyArgs().Hash(default!);
        (await handler.Handle(Command(5.5, 8.5) with { ClientAddress = "10.0.0.2" }, default)).Error.ShouldBe(UserErrors.EmailTaken); // another address: not refused
    }

    [Fact]
    public async Task Handle_GivesTheAttemptBack_WhenTheStoreFails()
    {
        var handler = new RegisterCommandHandler(_users, _hasher, _tokens, Fakes.ClockAt(Fakes.Now),
            Fakes.Attempts(TimeProvider.System, registration: new RegistrationLimits { MaxPerAddress = 1, WindowSeconds = 60 }));
        var calls = 0;
        _users.TryAddAsync(Arg.Any<User>(), Arg.Any<CancellationToken>())
            .Returns(_ => calls++ == 0 ? Task.FromException<bool>(new TimeoutException("database away")) : Task.FromResult(true));

        await Should.ThrowAsync<TimeoutException>(() => handler.Handle(Command(5.5, 8.5), default));

        (await handler.Handle(Command(5.5, 8.5), default)).IsSuccess.ShouldBeTrue();
    }
}

public class LoginCommandHandlerTests
{
    private const string Email = "ann@example.com";
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IPasswordHasher _hasher = Substitute.For<IPasswordHasher>();
    private readonly ITokenIssuer _tokens = Substitute.For<ITokenIssuer>();
    private readonly FakeTimeProvider _time = new(Fakes.Now);
    private readonly User _ann = Fakes.User(email: Email, passwordHash: "stored-hash");
    private readonly LoginCommandHandler _handler;

    public LoginCommandHandlerTests()
    {
        _users.FindByEmailAsync(Email, Arg.Any<CancellationToken>()).Returns(_ann);
        _hasher.Verify("stored-hash", "right").Returns(true);
        _hasher.DummyHash.Returns("dummy-hash");
        _tokens.Issue(_ann.Id).Returns("jwt");
        var attempts = Fakes.Attempts(_time, new LoginLimits { MaxFailuresPerEmail = 3, MaxFailuresPerAddress = 5, WindowSeconds = 60 });
        _handler = new LoginCommandHandler(_users, _hasher, _tokens, attempts);
    }

    private Task<Result<AuthToken>> Login(string email, string password, string? address = "10.0.0.1") =>
        _handler.Handle(new LoginCommand(email, password, Input<string>.Missing, address), default);

    [Fact]
    public async Task Handle_IssuesATokenForTheRightPassword()
    {
        var result = await Login(Email, "right");

        result.Value.AccessToken.ShouldBe("jwt");
        result.Value.User.Id.ShouldBe(_ann.Id);
        result.Value.User.Email.ShouldBe(Email);
    }

    [Fact]
    public async Task Handle_RefusesAWrongPassword()
    {
        var result = await Login(Email, "wrong");

        result.Error.ShouldBe(UserErrors.InvalidCredentials);
        _tokens.DidNotReceive().Issue(Arg.Any<Guid>());
    }

    [Fact]
    public async Task Handle_UnknownEmailRunsTheDummyCheckAndAnswersLikeAWrongPassword()
    {
        var wrongPassword = await Login(Email, "wrong");
        var unknown = await Login("nobody@example.com", "whatever");

        _hasher.Received(1).Verify("dummy-hash", "whatever");
        unknown.Error.ShouldBe(wrongPassword.Error);
        unknown.Error!.Detail.ShouldBe("Incorrect email or password");
    }

    [Fact]
    public async Task Handle_BlocksAnEmailAfterTheLimitEvenWithTheRightPassword()
    {
        for (var i = 0; i < 3; i++) (await Login(Email, "wrong", $"10.0.0.{i}")).Error.ShouldBe(UserErrors.InvalidCredentials);

        var blocked = await Login(Email, "right", "10.0.0.99");

        blocked.Error.ShouldBe(UserErrors.TooManyLoginAttempts);
        blocked.Error!.Detail.ShouldBe("Too many login attempts");
        _hasher.DidNotReceive().Verify("stored-hash", "right");
    }

    [Fact]
    public async Task Handle_CountsEmailsCaseInsensitively()
    {
        for (var i = 0; i < 3; i++) await Login(i % 2 == 0 ? "ANN@example.com" : "ann@EXAMPLE.com", "wrong", null);

        (await Login(Email, "right", null)).Error.ShouldBe(UserErrors.TooManyLoginAttempts);
    }

    [Fact]
    public async Task Handle_BlocksAnAddressAfterItsLimit()
    {
        for (var i = 0; i < 5; i++) await Login($"user{i}@example.com", "wrong", "10.9.9.9");

        (await Login(Email, "right", "10.9.9.9")).Error.ShouldBe(UserErrors.TooManyLoginAttempts);
        (await Login(Email, "right", "10.9.9.8")).IsSuccess.ShouldBeTrue();
    }

    [Fact]
    public async Task Handle_UnblocksOnceTheWindowHasPassed()
    {
        for (var i = 0; i < 3; i++) await Login(Email, "wrong");
        (await Login(Email, "right")).Error.ShouldBe(UserErrors.TooManyLoginAttempts);

        _time.Advance(TimeSpan.FromSeconds(61));

        (await Login(Email, "right")).IsSuccess.ShouldBeTrue();
    }

    [Fact]
    public async Task Handle_ASuccessGivesItsAttemptBack_SoOnlyFailuresCount()
    {
        for (var i = 0; i < 2; i++) (await Login(Email, "wrong")).Error.ShouldBe(UserErrors.InvalidCredentials);
        for (var i = 0; i < 5; i++) (await Login(Email, "right")).IsSuccess.ShouldBeTrue();

        (await Login(Email, "wrong")).Error.ShouldBe(UserErrors.InvalidCredentials);
        (await Login(Email, "right")).Error.ShouldBe(UserErrors.TooManyLoginAttempts);
    }

    [Fact]
    public async Task Handle_AnAddressOverItsLimit_GivesTheEmailsAttemptBack()
    {
        for (var i = 0; i < 5; i++) await Login($"user{i}@example.com", "wrong", "10.9.9.9");

        for (var i = 0; i < 5; i++) (await Login(Email, "wrong", "10.9.9.9")).Error.ShouldBe(UserErrors.TooManyLoginAttempts);

        (await Login(Email, "right", "10.9.9.8")).IsSuccess.ShouldBeTrue(); // the refusals held nothing for ann's email
    }

    [Fact]
    public async Task Handle_AFailureOnOurSide_GivesTheAttemptsBack()
    {
        _users.FindByEmailAsync("bob@example.com", Arg.Any<CancellationToken>()).ThrowsAsync(new TimeoutException("database away"));

        // Twice the limit, and every one still reaches the store: none was counted as a failure.
        for (var i = 0; i < 6; i++) await Should.ThrowAsync<TimeoutException>(() => Login("bob@example.com", "whatever"));
    }

    [Fact]
    public async Task Handle_ParallelWrongPasswords_AreVerifiedAtMostTheLimit()
    {
        var verifications = 0;
        var release = new TaskCompletionSource();
        _users.FindByEmailAsync(Email, Arg.Any<CancellationToken>()).Returns(async _ =>
        {
            await release.Task; // every request that got past the limit waits here: none has been verified yet
            return (User?)_ann;
        });
        _hasher.Verify("stored-hash", "wrong").Returns(_ =>
        {
            Interlocked.Increment(ref verifications);
            return false;
        });

        var logins = Enumerable.Range(0, 50).Select(_ => Login(Email, "wrong")).ToList();
        release.SetResult();
        var results = await Task.WhenAll(logins);

        verifications.ShouldBe(3);
        results.Count(r => r.Error == UserErrors.InvalidCredentials).ShouldBe(3);
        results.Count(r => r.Error == UserErrors.TooManyLoginAttempts).ShouldBe(47);
    }
}
