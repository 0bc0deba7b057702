using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;
using Speaking.Domain.Common;
using Speaking.Domain.Practice;
using Speaking.Domain.Sessions;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Practice;

public class GiveFeedbackCommandValidatorTests
{
    private readonly GiveFeedbackCommandValidator _validator = new();

    private static GiveFeedbackCommand Valid() => new(Guid.NewGuid(), Input<Guid>.Of(Guid.NewGuid()), BodyShape.Object, 6.5, 7.0, 6.0, 1.0,
        Input<string>.Missing);

    [Fact]
    public void Validate_AcceptsHalfBandsFromOneToNine_WithOrWithoutAComment()
    {
        _validator.Problems(Valid()).ShouldBeEmpty();
        _validator.Problems(Valid() with { Pronunciation = 9.0, Comment = "Clear and fluent." }).ShouldBeEmpty();
        _validator.Problems(Valid() with { Comment = Input<string>.Null }).ShouldBeEmpty();
        _validator.Problems(Valid() with { Comment = new string('x', 1000) }).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(0.5, "greater_than_equal", "Input should be greater than or equal to 1")]
    [InlineData(0.0, "greater_than_equal", "Input should be greater than or equal to 1")]
    [InlineData(-3.0, "greater_than_equal", "Input should be greater than or equal to 1")]
    [InlineData(9.5, "less_than_equal", "Input should be less than or equal to 9")]
    [InlineData(6.3, "multiple_of", "Input should be a multiple of 0.5")]
    [InlineData(6.25, "multiple_of", "Input should be a multiple of 0.5")]
    public void Validate_RefusesAScoreOutOfRangeOrBetweenHalfBands(double score, string type, string message) =>
        _validator.Problems(Valid() with { LexicalResource = score }).ShouldBe([(type, "body.lexical_resource", message)]);

    [Fact]
    public void Validate_ReportsEveryMissingScore() =>
        _validator.Problems(Valid() with
        {
            FluencyCoherence = Input<double>.Missing, LexicalResource = Input<double>.Missing,
            GrammaticalRangeAccuracy = Input<double>.Null, Pronunciation = Input<double>.Invalid("good"),
        }).ShouldBe([
            ("missing", "body.fluency_coherence", "Field required"),
            ("missing", "body.lexical_resource", "Field required"),
            ("float_type", "body.grammatical_range_accuracy", "Input should be a valid number"),
            ("float_parsing", "body.pronunciation", "Input should be a valid number, unable to parse string as a number"),
        ]);

    [Fact]
    public void Validate_RefusesACommentOverAThousandCharactersOrNotText()
    {
        _validator.Problems(Valid() with { Comment = new string('x', 1001) })
            .ShouldBe([("string_too_long", "body.comment", "String should have at most 1000 characters")]);
        _validator.Problems(Valid() with { Comment = Input<string>.Invalid(42.0) })
            .ShouldBe([("string_type", "body.comment", "Input should be a valid string")]);
    }

    [Fact]
    public void Validate_ChecksThePathAndTheBody()
    {
        _validator.Problems(Valid() with { SessionId = Input<Guid>.Invalid("abc") }).Select(p => (p.Type, p.Loc))
            .ShouldBe([("uuid_parsing", "path.session_id")]);
        _validator.Problems(Valid() with { Body = BodyShape.Missing }).ShouldBe([("missing", "body", "Field required")]);
    }
}

public class GiveFeedbackCommandHandlerTests
{
    private readonly ISessionRepository _sessions = Substitute.For<ISessionRepository>();
    private readonly IFeedbackRepository _feedback = Substitute.For<IFeedbackRepository>();
    private readonly Deliveries _deliveries = new();
    private readonly Guid _me = Guid.NewGuid();
    private readonly Guid _partner = Guid.NewGuid();
    private readonly Session _session;

    public GiveFeedbackCommandHandlerTests()
    {
        _session = Session.Start(Guid.NewGuid(), _partner, _me, QueueMode.Roulette, "room_0123456789ab", Fakes.Now.AddMinutes(-20));
        _session.Complete(Fakes.Now.AddMinutes(-5), _partner);
        _sessions.GetAsync(_session.Id, Arg.Any<CancellationToken>()).Returns(_session);
        _feedback.TryAddAsync(Arg.Any<StoredFeedback>(), Arg.Any<CancellationToken>()).Returns(true);
    }

    private Task<Result<FeedbackView>> Rate(Guid rater, string? comment = "Good range of vocabulary.") =>
        new GiveFeedbackCommandHandler(_sessions, _feedback, _deliveries.Notifier, Fakes.ClockAt(Fakes.Now), Options.Create(new PracticeOptions()))
            .Handle(new GiveFeedbackCommand(rater, Input<Guid>.Of(_session.Id), BodyShape.Object, 6.0, 6.5, 6.0, 7.0,
                comment is null ? Input<string>.Missing : Input<string>.Of(comment)), default);

    [Fact]
    public async Task Handle_StoresTheRatingOfThePartner_AndTellsThePartner()
    {
        var result = await Rate(_me);

        var view = result.Value;
        (view.FromUserId, view.ToUserId, view.SessionId).ShouldBe((_me, _partner, _session.Id));
        view.OverallBand.ShouldBe(6.5); // mean 6.375
        view.Comment.ShouldBe("Good range of vocabulary.");
        view.CreatedAt.ShouldBe("2026-02-05T14:03:27.000000Z");
        await _feedback.Received(1).TryAddAsync(Arg.Is<StoredFeedback>(f => f.RaterId == _me && f.RatedUserId == _partner
            && f.Scores == new PeerScores(6.0, 6.5, 6.0, 7.0)), Arg.Any<CancellationToken>());
        _deliveries.Sent.ShouldBe([new Delivery(null, _partner, new FeedbackReceivedMessage(view))]);
    }

    [Fact]
    public async Task Handle_ABlankCommentIsNoComment()
    {
        (await Rate(_me, "   ")).Value.Comment.ShouldBeNull();
    }

    [Fact]
    public async Task Handle_ANonParticipantGetsNotFound_AndNothingIsStoredOrSent()
    {
        (await Rate(Guid.NewGuid())).Error.ShouldBe(PracticeErrors.SessionNotFound);

        await _feedback.DidNotReceiveWithAnyArgs().TryAddAsync(default!, default);
        await _feedback.DidNotReceiveWithAnyArgs().HasGivenAsync(default, default, default);
        _deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_Twice_IsRefused()
    {
        _feedback.HasGivenAsync(_session.Id, _me, Arg.Any<CancellationToken>()).Returns(true);

        (await Rate(_me)).Error.ShouldBe(PracticeErrors.FeedbackAlreadyGiven);
        await _feedback.DidNotReceiveWithAnyArgs().TryAddAsync(default!, default);
    }

    [Fact]
    public async Task Handle_LosingARaceToTheSameRating_IsRefusedWithoutNotifying()
    {
        _feedback.TryAddAsync(Arg.Any<StoredFeedback>(), Arg.Any<CancellationToken>()).Returns(false);

        (await Rate(_me)).Error.ShouldBe(PracticeErrors.FeedbackAlreadyGiven);
        _deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_AnActiveSessionCannotBeRatedYet()
    {
        var running = Session.Start(Guid.NewGuid(), _partner, _me, QueueMode.Roulette, "room_0123456789ab", Fakes.Now.AddMinutes(-20));
        _sessions.GetAsync(running.Id, Arg.Any<CancellationToken>()).Returns(running);

        var result = await new GiveFeedbackCommandHandler(_sessions, _feedback, _deliveries.Notifier, Fakes.ClockAt(Fakes.Now),
                Options.Create(new PracticeOptions()))
            .Handle(new GiveFeedbackCommand(_me, Input<Guid>.Of(running.Id), BodyShape.Object, 6, 6, 6, 6, Input<string>.Missing), default);

        result.Error.ShouldBe(PracticeErrors.SessionStillActive);
        _deliveries.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_ARatingIsStoredEvenWhenThePartnerIsOffline()
    {
        _deliveries.Unreachable.Add(_partner);

        (await Rate(_me)).IsSuccess.ShouldBeTrue();
        await _feedback.Received(1).TryAddAsync(Arg.Any<StoredFeedback>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_FollowsTheMinimumLengthSetting()
    {
        // The session lasted 15 minutes.
        var handler = new GiveFeedbackCommandHandler(_sessions, _feedback, _deliveries.Notifier, Fakes.ClockAt(Fakes.Now),
            Options.Create(new PracticeOptions { FeedbackMinSessionSeconds = 16 * 60 }));

        var result = await handler.Handle(new GiveFeedbackCommand(_me, Input<Guid>.Of(_session.Id), BodyShape.Object, 6, 6, 6, 6,
            Input<string>.Missing), default);

        result.Error.ShouldBe(PracticeErrors.SessionTooShort);
    }
}
