using Speaking.Domain.Common;
using Speaking.Domain.Practice;
using Speaking.Domain.Sessions;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Domain.Practice;

public class FeedbackRulesTests
{
    private static readonly TimeSpan Minimum = TimeSpan.FromSeconds(120);
    private readonly Guid _a = Guid.NewGuid();
    private readonly Guid _b = Guid.NewGuid();

    private Session Ended(int seconds, SessionEndReason reason = SessionEndReason.Ended)
    {
        var session = Session.Start(Guid.NewGuid(), _a, _b, QueueMode.Roulette, "room_0123456789ab", Fakes.Now);
        if (reason == SessionEndReason.Ended || reason == SessionEndReason.Blocked) session.Complete(Fakes.Now.AddSeconds(seconds), _a, reason);
        else session.Cancel(Fakes.Now.AddSeconds(seconds), reason);
        return session;
    }

    [Fact]
    public void CanRate_EitherParticipantOfALongEnoughEndedSession()
    {
        FeedbackRules.CanRate(Ended(600), _a, false, Minimum).IsSuccess.ShouldBeTrue();
        FeedbackRules.CanRate(Ended(600), _b, false, Minimum).IsSuccess.ShouldBeTrue();
    }

    [Fact]
    public void CanRate_ExactlyTheMinimumIsLongEnough() => FeedbackRules.CanRate(Ended(120), _a, false, Minimum).IsSuccess.ShouldBeTrue();

    [Fact]
    public void CanRate_ACallThatBrokeOffAfterLongEnoughCounts() =>
        FeedbackRules.CanRate(Ended(900, SessionEndReason.NoReconnect), _b, false, Minimum).IsSuccess.ShouldBeTrue();

    [Fact]
    public void CanRate_NotANonParticipant_WhoIsToldTheSessionDoesNotExist()
    {
        FeedbackRules.CanRate(Ended(600), Guid.NewGuid(), false, Minimum).Error.ShouldBe(PracticeErrors.SessionNotFound);
        FeedbackRules.CanRate(null, _a, false, Minimum).Error.ShouldBe(PracticeErrors.SessionNotFound);
        PracticeErrors.SessionNotFound.Kind.ShouldBe(ErrorKind.NotFound);
    }

    [Fact]
    public void CanRate_NotTwice() =>
        FeedbackRules.CanRate(Ended(600), _a, alreadyGiven: true, Minimum).Error.ShouldBe(PracticeErrors.FeedbackAlreadyGiven);

    [Theory]
    [InlineData(119, SessionEndReason.Ended)]
    [InlineData(5, SessionEndReason.NoReconnect)]
    [InlineData(0, SessionEndReason.ResumeFailed)]
    public void CanRate_NotAfterAShortOrBrokenCall(int seconds, SessionEndReason reason) =>
        FeedbackRules.CanRate(Ended(seconds, reason), _a, false, Minimum).Error.ShouldBe(PracticeErrors.SessionTooShort);

    [Fact]
    public void CanRate_NotWhileTheSessionIsActive()
    {
        var active = Session.Start(Guid.NewGuid(), _a, _b, QueueMode.Roulette, "room_0123456789ab", Fakes.Now.AddHours(-1));

        FeedbackRules.CanRate(active, _a, false, Minimum).Error.ShouldBe(PracticeErrors.SessionStillActive);
    }

    [Fact]
    public void CanRate_NeverACallThatEndedWithABlock() =>
        FeedbackRules.CanRate(Ended(900, SessionEndReason.Blocked), _b, false, Minimum).Error.ShouldBe(PracticeErrors.FeedbackNotAllowed);
}
