using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Common;
using Speaking.Application.Quorra.Auth;
using Speaking.Application.Quorra.Offline;
using Speaking.Application.Quorra.Settings;
using Speaking.Application.Quorra.SystemControl;
using Speaking.Domain.Common;
using Speaking.Domain.Quorra;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Quorra;

public class CheckRootAccessHandlerTests
{
    private readonly ISystemAuditRepository _audit = Substitute.For<ISystemAuditRepository>();
    private readonly Guid _user = Guid.NewGuid();

    private CheckRootAccessCommandHandler Handler(string? pin) => new(_audit,
        Options.Create(new RootOptions { Pin = pin, MaxFailuresPerUser = 3, MaxFailuresPerAddress = 10, FailureWindowSeconds = 300 }),
        Fakes.ClockAt(Fakes.Now));

    private void Denied(int byUser, int byAddress) =>
        _audit.CountDeniedSinceAsync(_user, "1.2.3.4", Fakes.Now.AddSeconds(-300), Arg.Any<CancellationToken>()).Returns((byUser, byAddress));

    [Theory]
    [InlineData(null)]
    [InlineData("0000")]
    public async Task WithoutAConfiguredPin_Is503_AndTouchesNothing(string? pin)
    {
        var result = await Handler(pin).Handle(new CheckRootAccessCommand(_user, "volume", "0000", "1.2.3.4"), default);

        result.Error.ShouldBe(QuorraErrors.RootPinNotConfigured);
        _audit.ReceivedCalls().ShouldBeEmpty();
    }

    [Theory]
    [InlineData(3, 0)]
    [InlineData(0, 10)]
    public async Task OverEitherLimit_Is429_EvenWithTheRightPin(int byUser, int byAddress)
    {
        Denied(byUser, byAddress);

        var result = await Handler("9876").Handle(new CheckRootAccessCommand(_user, "volume", "9876", "1.2.3.4"), default);

        result.Error.ShouldBe(QuorraErrors.TooManyRootAttempts);
        await _audit.DidNotReceiveWithAnyArgs().RecordAsync(default!, default);
    }

    [Fact]
    public async Task AWrongPin_Is401_AndIsAuditedAsDenied()
    {
        Denied(2, 9);

        var result = await Handler("9876").Handle(new CheckRootAccessCommand(_user, "wifi", "1234", "1.2.3.4"), default);

        result.Error.ShouldBe(QuorraErrors.RootDenied);
        await _audit.Received(1).RecordAsync(Arg.Is<AuditEntry>(e => e.UserId == _user && e.Action == "wifi" && e.Outcome == AuditOutcome.Denied
            && e.ParamsJson == null && e.ClientAddress == "1.2.3.4" && e.At == Fakes.Now), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task TheRightPin_Passes_WithoutAnAuditRowOfItsOwn()
    {
        Denied(0, 0);

        var result = await Handler("9876").Handle(new CheckRootAccessCommand(_user, "alarm", "9876", "1.2.3.4"), default);

        result.IsSuccess.ShouldBeTrue();
        await _audit.DidNotReceiveWithAnyArgs().RecordAsync(default!, default);
    }
}

public class AuthenticateQuorraRequestHandlerTests
{
    private readonly IQuorraTokens _tokens = Substitute.For<IQuorraTokens>();
    private readonly IQuorraUserRepository _users = Substitute.For<IQuorraUserRepository>();

    private Task<Result<Guid>> Authenticate(string? header) =>
        new AuthenticateQuorraRequestQueryHandler(_tokens, _users).Handle(new AuthenticateQuorraRequestQuery(header), default);

    [Fact]
    public async Task NoHeader_IsTokenMissing_403()
    {
        (await Authenticate(null)).Error.ShouldBe(QuorraErrors.TokenMissing);
        QuorraErrors.TokenMissing.Kind.ShouldBe(ErrorKind.Forbidden);
        QuorraErrors.TokenMissing.Detail.ShouldBe("Token yo\u2018q");
    }

    [Theory]
    [InlineData("Basic abc")]
    [InlineData("Bearer")]
    [InlineData("abc")]
    [InlineData("Bearer bad")]
    public async Task AnythingButAValidBearerToken_IsTokenInvalid_401(string header)
    {
        _tokens.ValidateAsync(Arg.Any<string>()).Returns((Guid?)null);

        (await Authenticate(header)).Error.ShouldBe(QuorraErrors.TokenInvalid);
        QuorraErrors.TokenInvalid.Detail.ShouldBe("Token noto\u2018g\u2018ri yoki muddati tugagan");
    }

    [Fact]
    public async Task AValidTokenOfAnExistingAccount_GivesItsId_AndOfAGoneAccount_Is401()
    {
        var id = Guid.NewGuid();
        _tokens.ValidateAsync("good").Returns(id);
        _users.ExistsAsync(id, Arg.Any<CancellationToken>()).Returns(true, false);

        (await Authenticate("bearer good")).Value.ShouldBe(id);
        (await Authenticate("Bearer good")).Error.ShouldBe(QuorraErrors.TokenInvalid);
    }
}

public class QuorraSmallHandlerTests
{
    [Fact]
    public async Task Sync_RunsBatchesUntilAShortOne_AndReturnsTheTotal()
    {
        var queue = Substitute.For<IOfflineQueueRepository>();
        queue.SyncBatchAsync(SyncOfflineQueueCommand.BatchSize, Arg.Any<CancellationToken>()).Returns(500, 500, 7, 99);

        (await new SyncOfflineQueueCommandHandler(queue).Handle(new SyncOfflineQueueCommand(), default)).ShouldBe(1007);
        await queue.Received(3).SyncBatchAsync(Arg.Any<int>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task UpdateSettings_SendsOneFlatObject_AndTooManyInTotalIs400()
    {
        var settings = Substitute.For<ISettingsRepository>();
        settings.MergeAsync(Arg.Any<Guid>(), Arg.Any<string>(), SettingsRules.MaxKeys, Arg.Any<CancellationToken>()).Returns("""{"a": 2}""", (string?)null);
        var patch = System.Text.Json.JsonDocument.Parse("""{"a":1,"a":2}""").RootElement.EnumerateObject()
            .Select(p => KeyValuePair.Create(p.Name, p.Value)).ToArray();
        var handler = new UpdateSettingsCommandHandler(settings);

        (await handler.Handle(new UpdateSettingsCommand(Guid.NewGuid(), patch), default)).Value.GetProperty("a").GetInt32().ShouldBe(2);
        await settings.Received(1).MergeAsync(Arg.Any<Guid>(), """{"a":2}""", SettingsRules.MaxKeys, Arg.Any<CancellationToken>());
        (await handler.Handle(new UpdateSettingsCommand(Guid.NewGuid(), patch), default)).Error.ShouldBe(QuorraErrors.TooManySettings);
    }

    [Fact]
    public async Task RegisterValidator_NamesTheFirstProblem()
    {
        var validator = new RegisterQuorraUserCommandValidator();

        var result = await validator.ValidateAsync(new RegisterQuorraUserCommand(Input<string>.Missing, Input<string>.Invalid(5), null));

        result.Errors.Select(e => e.ErrorMessage).ShouldBe(["username is required", "password must be a string"]);
    }
}
