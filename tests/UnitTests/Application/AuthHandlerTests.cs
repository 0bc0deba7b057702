using Microsoft.Extensions.Options;
using NSubstitute;
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
        _handler = new RegisterCommandHandler(_users, _hasher, _tokens, Fakes.ClockAt(Fakes.Now));
    }

    private static RegisterCommand Command(Input<double> level, Input<double> target) =>
        new(BodyShape.Object, " Ann <Ann@Example.COM> ", "secret1", "ann", level, target);

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
}

public class LoginCommandHandlerTests
{
    private const string Email = "ann@example.com";
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IPasswordHasher _hasher = Substitute.For<IPasswordHasher>();
    private readonly ITokenIssuer _tokens = Substitute.For<ITokenIssuer>();
    private readonly IClock _clock = Substitute.For<IClock>();
    private readonly User _ann = Fakes.User(email: Email, passwordHash: "stored-hash");
    private DateTime _now = Fakes.Now;
    private readonly LoginCommandHandler _handler;

    public LoginCommandHandlerTests()
    {
        _clock.UtcNow.Returns(_ => _now);
        _users.FindByEmailAsync(Email, Arg.Any<CancellationToken>()).Returns(_ann);
        _hasher.Verify("stored-hash", "right").Returns(true);
        _hasher.DummyHash.Returns("dummy-hash");
        _tokens.Issue(_ann.Id).Returns("jwt");
        var throttle = new LoginThrottle(Options.Create(new LoginLimits { MaxFailuresPerEmail = 3, MaxFailuresPerAddress = 5, WindowSeconds = 60 }), _clock);
        _handler = new LoginCommandHandler(_users, _hasher, _tokens, throttle);
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

        _now = _now.AddSeconds(61);

        (await Login(Email, "right")).IsSuccess.ShouldBeTrue();
    }
}
