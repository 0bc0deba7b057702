using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Common;
using Speaking.Application.Safety;
using Speaking.Application.Sessions;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Safety;
using Speaking.Domain.Sessions;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Safety;

public class ReportUserCommandHandlerTests
{
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly ISessionRepository _sessions = Substitute.For<ISessionRepository>();
    private readonly IReportRepository _reports = Substitute.For<IReportRepository>();
    private readonly Guid _me = Guid.NewGuid();
    private readonly Guid _them = Guid.NewGuid();
    private List<CountedReport> _stored = [];

    public ReportUserCommandHandlerTests()
    {
        _users.GetAsync(_them, Arg.Any<CancellationToken>()).Returns(Fakes.User(_them));
        _reports.ContactAsync(_me, _them, Arg.Any<CancellationToken>()).Returns(new ReportContact(true, false, false));
        // The store keeps what it is given and answers the counted reports, as the real one does.
        _reports.AddAsync(Arg.Any<StoredReport>(), Arg.Any<DateTime>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var report = call.Arg<StoredReport>();
            if (report.Counted) _stored.Add(new CountedReport(report.ReporterId, report.CreatedAt));
            return (IReadOnlyList<CountedReport>?)_stored.ToArray();
        });
    }

    private Task<Result<ReportView>> Report(Guid target, string reason = "harassment", Input<string>? details = null, Input<Guid>? session = null,
        int threshold = 3) =>
        new ReportUserCommandHandler(_users, _sessions, _reports, Fakes.ClockAt(Fakes.Now),
                Options.Create(new SafetyOptions { ReportSuspendThreshold = threshold, ReportWindowDays = 7 }))
            .Handle(new ReportUserCommand(_me, target, BodyShape.Object, reason, details ?? Input<string>.Missing, session ?? Input<Guid>.Missing), default);

    [Fact]
    public async Task Report_IsStoredWithItsReasonDetailsAndWhetherItCounts_AndAnsweredWithoutTheCount()
    {
        var result = await Report(_them, "no_show", "did not come");

        var view = result.Value;
        view.TargetUserId.ShouldBe(_them);
        view.Reason.ShouldBe("no_show");
        view.Details.ShouldBe("did not come");
        view.SessionId.ShouldBeNull();
        view.CreatedAt.ShouldBe(Fakes.Now);
        await _reports.Received(1).AddAsync(Arg.Is<StoredReport>(r => r.Id == view.Id && r.ReporterId == _me && r.TargetId == _them
            && r.Reason == ReportReason.NoShow && r.Details == "did not come" && r.Counted && r.SessionId == null),
            Fakes.Now.AddDays(-14), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Report_OfOneself_Is400()
    {
        (await Report(_me)).Error.ShouldBe(SafetyErrors.CannotReportYourself);
        await _reports.DidNotReceiveWithAnyArgs().AddAsync(default!, default, default);
    }

    [Fact]
    public async Task Report_OfAnUnknownUser_Is404() => (await Report(Guid.NewGuid())).Error.ShouldBe(UserErrors.NotFound);

    [Fact]
    public async Task Report_AboutASessionTheyDidNotShare_Is404()
    {
        var other = Session.Start(Guid.NewGuid(), _me, Guid.NewGuid(), QueueMode.Roulette, "room_0123456789ab", Fakes.Now);
        _sessions.GetAsync(other.Id, Arg.Any<CancellationToken>()).Returns(other);

        (await Report(_them, session: other.Id)).Error.ShouldBe(SafetyErrors.SessionNotFound);
        (await Report(_them, session: Guid.NewGuid())).Error.ShouldBe(SafetyErrors.SessionNotFound);
        await _reports.DidNotReceiveWithAnyArgs().AddAsync(default!, default, default);
    }

    [Fact]
    public async Task Report_AboutTheirSession_KeepsTheSession()
    {
        var shared = Session.Start(Guid.NewGuid(), _them, _me, QueueMode.Roulette, "room_0123456789ab", Fakes.Now);
        _sessions.GetAsync(shared.Id, Arg.Any<CancellationToken>()).Returns(shared);

        (await Report(_them, session: shared.Id)).Value.SessionId.ShouldBe(shared.Id);
    }

    [Theory]
    [InlineData(false, "You have already reported this user")]
    [InlineData(true, "You have already reported this user for this session")]
    public async Task Report_ASecondTime_Is400(bool withSession, string detail)
    {
        var shared = Session.Start(Guid.NewGuid(), _them, _me, QueueMode.Roulette, "room_0123456789ab", Fakes.Now);
        _sessions.GetAsync(shared.Id, Arg.Any<CancellationToken>()).Returns(shared);
        _reports.AddAsync(Arg.Any<StoredReport>(), Arg.Any<DateTime>(), Arg.Any<CancellationToken>()).Returns((IReadOnlyList<CountedReport>?)null);

        var result = await Report(_them, session: withSession ? shared.Id : Input<Guid>.Missing);

        result.Error!.Kind.ShouldBe(ErrorKind.BadRequest);
        result.Error.Detail.ShouldBe(detail);
    }

    [Fact]
    public async Task Report_ThatReachesTheThreshold_SuspendsForTheWindow()
    {
        _stored = [new(Guid.NewGuid(), Fakes.Now.AddDays(-3)), new(Guid.NewGuid(), Fakes.Now.AddDays(-1))];

        await Report(_them);

        await _reports.Received(1).SuspendAsync(_them, Fakes.Now.AddDays(7), Arg.Any<Guid>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Report_BelowTheThreshold_SuspendsNobody()
    {
        _stored = [new(Guid.NewGuid(), Fakes.Now.AddDays(-3))];

        await Report(_them);

        await _reports.DidNotReceiveWithAnyArgs().SuspendAsync(default, default, default, default);
    }

    [Fact]
    public async Task Report_WithoutContact_IsStoredButNeverSuspends()
    {
        _reports.ContactAsync(_me, _them, Arg.Any<CancellationToken>()).Returns(ReportContact.None);
        _stored = [new(Guid.NewGuid(), Fakes.Now.AddDays(-3)), new(Guid.NewGuid(), Fakes.Now.AddDays(-1))];

        (await Report(_them)).IsSuccess.ShouldBeTrue();

        await _reports.Received(1).AddAsync(Arg.Is<StoredReport>(r => !r.Counted), Arg.Any<DateTime>(), Arg.Any<CancellationToken>());
        await _reports.DidNotReceiveWithAnyArgs().SuspendAsync(default, default, default, default);
    }

    [Fact]
    public async Task Report_WithBlankDetails_StoresNone()
    {
        (await Report(_them, details: "   ")).Value.Details.ShouldBeNull();
    }
}

public class ReportUserCommandValidatorTests
{
    private readonly ReportUserCommandValidator _validator = new();

    private static ReportUserCommand Valid() =>
        new(Guid.NewGuid(), Guid.NewGuid(), BodyShape.Object, "spam", Input<string>.Missing, Input<Guid>.Missing);

    private const string Expected = "'harassment', 'inappropriate', 'spam', 'no_show' or 'other'";

    [Fact]
    public void AMinimalReport_IsValid() => _validator.Problems(Valid()).ShouldBeEmpty();

    [Fact]
    public void ExplicitNulls_MeanNoDetailsAndNoSession() =>
        _validator.Problems(Valid() with { Details = Input<string>.Null, SessionId = Input<Guid>.Null }).ShouldBeEmpty();

    [Fact]
    public void AMissingBody_IsReportedAtBody() =>
        _validator.Problems(Valid() with { Body = BodyShape.Missing }).ShouldBe([("missing", "body", "Field required")]);

    [Fact]
    public void AMissingReason_IsRequired() =>
        _validator.Problems(Valid() with { Reason = Input<string>.Missing }).ShouldBe([("missing", "body.reason", "Field required")]);

    [Fact]
    public void AnUnknownReason_NullOrNotAString_IsAnEnumError()
    {
        foreach (var reason in new[] { Input<string>.Of("rude"), Input<string>.Of("Spam"), Input<string>.Null, Input<string>.Invalid(3.0) })
            _validator.Problems(Valid() with { Reason = reason }).ShouldBe([("enum", "body.reason", "Input should be " + Expected)]);
    }

    [Fact]
    public void DetailsOver1000Characters_AreTooLong()
    {
        _validator.Problems(Valid() with { Details = new string('d', 1000) }).ShouldBeEmpty();
        _validator.Problems(Valid() with { Details = new string('d', 1001) })
            .ShouldBe([("string_too_long", "body.details", "String should have at most 1000 characters")]);
    }

    [Fact]
    public void ABadSessionOrUserId_IsAUuidError()
    {
        _validator.Problems(Valid() with { SessionId = Input<Guid>.Invalid("abc") }).Single().Loc.ShouldBe("body.session_id");
        _validator.Problems(Valid() with { UserId = Input<Guid>.Invalid("abc") }).Single().Loc.ShouldBe("path.user_id");
    }
}
