using FluentValidation;
using Speaking.Application.Auth;
using Speaking.Application.Common;
using Speaking.Application.Partners;
using Speaking.Application.Queue;
using Speaking.Application.Users;
using Speaking.Domain.Common;

namespace Speaking.UnitTests.Application;

internal static class Validation
{
    /// <summary>(type, location, message) of every failure, in the contract's vocabulary.</summary>
    public static (string Type, string Loc, string Msg)[] Problems<T>(this AbstractValidator<T> validator, T request) =>
        validator.Validate(request).Errors.Select(f => (f.ErrorCode, f.PropertyName, f.ErrorMessage)).ToArray();
}

public class RegisterCommandValidatorTests
{
    private readonly RegisterCommandValidator _validator = new();

    private static RegisterCommand Valid() => new(BodyShape.Object, "ann@example.com", "secret1", "ann",
        Input<double>.Missing, Input<double>.Missing, null);

    [Fact]
    public void Validate_AcceptsAMinimalBody() => _validator.Problems(Valid()).ShouldBeEmpty();

    [Fact]
    public void Validate_ReportsAMissingBodyAtBodyOnly() =>
        _validator.Problems(Valid() with { Body = BodyShape.Missing }).ShouldBe([("missing", "body", "Field required")]);

    [Fact]
    public void Validate_ReportsEveryMissingRequiredField() =>
        _validator.Problems(new RegisterCommand(BodyShape.Object, Input<string>.Missing, Input<string>.Missing, Input<string>.Missing,
            Input<double>.Missing, Input<double>.Missing, null)).ShouldBe([
            ("missing", "body.email", "Field required"),
            ("missing", "body.password", "Field required"),
            ("missing", "body.username", "Field required"),
        ]);

    [Theory]
    [InlineData("12345", "string_too_short", "String should have at least 6 characters")]
    [InlineData("x", "string_too_short", "String should have at least 6 characters")]
    public void Validate_RefusesAShortPassword(string password, string type, string msg) =>
        _validator.Problems(Valid() with { Password = password }).ShouldBe([(type, "body.password", msg)]);

    [Fact]
    public void Validate_RefusesAPasswordOver100Characters() =>
        _validator.Problems(Valid() with { Password = new string('p', 101) })
            .ShouldBe([("string_too_long", "body.password", "String should have at most 100 characters")]);

    [Fact]
    public void Validate_AcceptsPasswordsOfExactly6And100Characters()
    {
        _validator.Problems(Valid() with { Password = "123456" }).ShouldBeEmpty();
        _validator.Problems(Valid() with { Password = new string('p', 100) }).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("a", "string_too_short", "String should have at least 2 characters")]
    public void Validate_RefusesAOneCharacterUsername(string username, string type, string msg) =>
        _validator.Problems(Valid() with { Username = username }).ShouldBe([(type, "body.username", msg)]);

    [Fact]
    public void Validate_RefusesAUsernameOver100Characters() =>
        _validator.Problems(Valid() with { Username = new string('u', 101) })
            .ShouldBe([("string_too_long", "body.username", "String should have at most 100 characters")]);

    [Fact]
    public void Validate_RefusesAnInvalidEmailWithTheReason()
    {
        var problems = _validator.Problems(Valid() with { Email = "ann@example.test" });

        problems.Length.ShouldBe(1);
        problems[0].Type.ShouldBe("value_error");
        problems[0].Loc.ShouldBe("body.email");
        problems[0].Msg.ShouldStartWith("value is not a valid email address: ");
        problems[0].Msg.ShouldContain("special-use");
    }

    [Fact]
    public void Validate_RefusesAnEmailThatIsNotAString() =>
        _validator.Problems(Valid() with { Email = Input<string>.Invalid(42) })
            .ShouldBe([("string_type", "body.email", "Input should be a valid string")]);

    [Theory]
    [InlineData(0.5, "greater_than_equal", "Input should be greater than or equal to 1")]
    [InlineData(9.5, "less_than_equal", "Input should be less than or equal to 9")]
    public void Validate_RefusesLevelsOutsideTheScale(double level, string type, string msg)
    {
        _validator.Problems(Valid() with { CurrentLevel = level }).ShouldBe([(type, "body.current_level", msg)]);
        _validator.Problems(Valid() with { TargetScore = level }).ShouldBe([(type, "body.target_score", msg)]);
    }

    [Fact]
    public void Validate_RefusesAnExplicitNullLevel() =>
        _validator.Problems(Valid() with { CurrentLevel = Input<double>.Null })
            .ShouldBe([("float_type", "body.current_level", "Input should be a valid number")]);

    [Fact]
    public void Validate_RefusesANonNumericLevelString() =>
        _validator.Problems(Valid() with { TargetScore = Input<double>.Invalid("high") })
            .ShouldBe([("float_parsing", "body.target_score", "Input should be a valid number, unable to parse string as a number")]);

    [Fact]
    public void Validate_AcceptsTheScaleBoundaries() =>
        _validator.Problems(Valid() with { CurrentLevel = 1.0, TargetScore = 9.0 }).ShouldBeEmpty();
}

public class LoginCommandValidatorTests
{
    private readonly LoginCommandValidator _validator = new();

    [Fact]
    public void Validate_AcceptsUsernameAndPassword() =>
        _validator.Problems(new LoginCommand("ann@example.com", "secret", Input<string>.Missing, null)).ShouldBeEmpty();

    [Fact]
    public void Validate_ReportsBothMissingFields() =>
        _validator.Problems(new LoginCommand(Input<string>.Missing, Input<string>.Missing, Input<string>.Missing, null)).ShouldBe([
            ("missing", "body.username", "Field required"),
            ("missing", "body.password", "Field required"),
        ]);

    [Fact]
    public void Validate_RefusesAGrantTypeWithoutPassword()
    {
        var problems = _validator.Problems(new LoginCommand("ann@example.com", "secret", "client_credentials", null));

        problems.ShouldBe([("string_pattern_mismatch", "body.grant_type", "String should match pattern 'password'")]);
    }

    [Fact]
    public void Validate_AcceptsThePasswordGrantType() =>
        _validator.Problems(new LoginCommand("ann@example.com", "secret", "password", null)).ShouldBeEmpty();
}

public class UpdateUserCommandValidatorTests
{
    private readonly UpdateUserCommandValidator _validator = new();
    private static readonly Guid Caller = Guid.NewGuid();

    private static UpdateUserCommand Empty() => new(Caller, Caller, BodyShape.Object, Input<string>.Missing, Input<double>.Missing,
        Input<double>.Missing);

    [Fact]
    public void Validate_AcceptsAnEmptyObject() => _validator.Problems(Empty()).ShouldBeEmpty();

    [Fact]
    public void Validate_RefusesExplicitNullsInEveryField() =>
        _validator.Problems(Empty() with { Username = Input<string>.Null, CurrentLevel = Input<double>.Null, TargetScore = Input<double>.Null })
            .ShouldBe([
                ("string_type", "body.username", "Input should be a valid string"),
                ("float_type", "body.current_level", "Input should be a valid number"),
                ("float_type", "body.target_score", "Input should be a valid number"),
            ]);

    [Fact]
    public void Validate_RefusesAMalformedUserId()
    {
        var problems = _validator.Problems(Empty() with { UserId = Input<Guid>.Invalid("not-a-uuid") });

        problems.Length.ShouldBe(1);
        problems[0].Type.ShouldBe("uuid_parsing");
        problems[0].Loc.ShouldBe("path.user_id");
        problems[0].Msg.ShouldStartWith("Input should be a valid UUID, invalid character");
    }

    [Fact]
    public void Validate_ReportsAWrongLengthUuid() =>
        _validator.Problems(Empty() with { UserId = Input<Guid>.Invalid("abcd") }).ShouldBe([
            ("uuid_parsing", "path.user_id", "Input should be a valid UUID, invalid length: expected length 32 for simple format, found 4"),
        ]);

    [Fact]
    public void Validate_RefusesAMissingBody() =>
        _validator.Problems(Empty() with { Body = BodyShape.Missing }).ShouldBe([("missing", "body", "Field required")]);

    [Fact]
    public void Validate_RefusesAShortUsernameAndAHighLevel() =>
        _validator.Problems(Empty() with { Username = "a", TargetScore = 9.01 }).ShouldBe([
            ("string_too_short", "body.username", "String should have at least 2 characters"),
            ("less_than_equal", "body.target_score", "Input should be less than or equal to 9"),
        ]);
}

public class ListUsersQueryValidatorTests
{
    private readonly ListUsersQueryValidator _validator = new();

    private static ListUsersQuery Defaults() => new(Guid.NewGuid(), Input<bool>.Missing, Input<int>.Missing, Input<int>.Missing);

    [Fact]
    public void Validate_AcceptsTheDefaults() => _validator.Problems(Defaults()).ShouldBeEmpty();

    [Fact]
    public void Validate_RefusesNegativeSkipAndLimit() =>
        _validator.Problems(Defaults() with { Skip = -1, Limit = -5 }).ShouldBe([
            ("greater_than_equal", "query.skip", "Input should be greater than or equal to 0"),
            ("greater_than_equal", "query.limit", "Input should be greater than or equal to 0"),
        ]);

    [Fact]
    public void Validate_RefusesNonIntegersAndNonBooleans() =>
        _validator.Problems(Defaults() with { OnlineOnly = Input<bool>.Invalid("maybe"), Limit = Input<int>.Invalid("ten") }).ShouldBe([
            ("bool_parsing", "query.online_only", "Input should be a valid boolean, unable to interpret input"),
            ("int_parsing", "query.limit", "Input should be a valid integer, unable to parse string as an integer"),
        ]);
}

public class GetUserQueryValidatorTests
{
    private readonly GetUserQueryValidator _validator = new();

    [Fact]
    public void Validate_AcceptsAUuid() => _validator.Problems(new GetUserQuery(Guid.NewGuid(), Guid.NewGuid())).ShouldBeEmpty();

    [Fact]
    public void Validate_RefusesAPathThatIsNotAUuid()
    {
        var problems = _validator.Problems(new GetUserQuery(Guid.NewGuid(), Input<Guid>.Invalid("online")));

        problems.Length.ShouldBe(1);
        problems[0].Type.ShouldBe("uuid_parsing");
        problems[0].Loc.ShouldBe("path.user_id");
        problems[0].Msg.ShouldBe("Input should be a valid UUID, invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `o` at 1");
    }
}

public class JoinQueueCommandValidatorTests
{
    private readonly JoinQueueCommandValidator _validator = new();
    private static readonly Guid User = Guid.NewGuid();

    [Fact]
    public void Validate_RouletteNeedsNoBody() =>
        _validator.Problems(new JoinQueueCommand(User, QueueMode.Roulette, BodyShape.Missing, Input<double>.Missing)).ShouldBeEmpty();

    [Fact]
    public void Validate_LevelFilterNeedsABody() =>
        _validator.Problems(new JoinQueueCommand(User, QueueMode.LevelFilter, BodyShape.Missing, Input<double>.Missing))
            .ShouldBe([("missing", "body", "Field required")]);

    [Fact]
    public void Validate_LevelFilterAcceptsAnExplicitNullLevel() =>
        _validator.Problems(new JoinQueueCommand(User, QueueMode.LevelFilter, BodyShape.Object, Input<double>.Null)).ShouldBeEmpty();

    [Theory]
    [InlineData(0.0, "greater_than_equal", "Input should be greater than or equal to 1")]
    [InlineData(10.0, "less_than_equal", "Input should be less than or equal to 9")]
    public void Validate_LevelFilterRefusesLevelsOutsideTheScale(double level, string type, string msg) =>
        _validator.Problems(new JoinQueueCommand(User, QueueMode.LevelFilter, BodyShape.Object, level))
            .ShouldBe([(type, "body.level_filter", msg)]);
}

public class SearchUsersQueryValidatorTests
{
    private readonly SearchUsersQueryValidator _validator = new();

    [Fact]
    public void Validate_AcceptsTwoCharacters() => _validator.Problems(new SearchUsersQuery(Guid.NewGuid(), "an")).ShouldBeEmpty();

    [Fact]
    public void Validate_RefusesOneCharacter() =>
        _validator.Problems(new SearchUsersQuery(Guid.NewGuid(), "a"))
            .ShouldBe([("string_too_short", "query.q", "String should have at least 2 characters")]);

    [Fact]
    public void Validate_RefusesAMissingQuery() =>
        _validator.Problems(new SearchUsersQuery(Guid.NewGuid(), Input<string>.Missing)).ShouldBe([("missing", "query.q", "Field required")]);
}

public class SendPartnerRequestCommandValidatorTests
{
    private readonly SendPartnerRequestCommandValidator _validator = new();

    [Fact]
    public void Validate_AcceptsAUuid() =>
        _validator.Problems(new SendPartnerRequestCommand(Guid.NewGuid(), BodyShape.Object, Guid.NewGuid())).ShouldBeEmpty();

    [Fact]
    public void Validate_RefusesAMissingTarget() =>
        _validator.Problems(new SendPartnerRequestCommand(Guid.NewGuid(), BodyShape.Object, Input<Guid>.Missing))
            .ShouldBe([("missing", "body.to_user_id", "Field required")]);

    [Fact]
    public void Validate_ReportsAMissingBodyOnlyAtBody() =>
        _validator.Problems(new SendPartnerRequestCommand(Guid.NewGuid(), BodyShape.Missing, Input<Guid>.Missing))
            .ShouldBe([("missing", "body", "Field required")]);

    [Fact]
    public void Validate_RefusesANonStringTarget() =>
        _validator.Problems(new SendPartnerRequestCommand(Guid.NewGuid(), BodyShape.Object, Input<Guid>.Invalid(12)))
            .ShouldBe([("uuid_type", "body.to_user_id", "UUID input should be a string, bytes or UUID object")]);

    [Fact]
    public void Validate_RefusesAMalformedTarget() =>
        _validator.Problems(new SendPartnerRequestCommand(Guid.NewGuid(), BodyShape.Object, Input<Guid>.Invalid("xyz")))
            .Select(p => (p.Type, p.Loc)).ShouldBe([("uuid_parsing", "body.to_user_id")]);
}

public class DecidePartnerRequestCommandValidatorTests
{
    private readonly DecidePartnerRequestCommandValidator _validator = new();

    [Fact]
    public void Validate_AcceptsAUuid() =>
        _validator.Problems(new DecidePartnerRequestCommand(Guid.NewGuid(), Guid.NewGuid(), true)).ShouldBeEmpty();

    [Fact]
    public void Validate_RefusesAMalformedRequestId() =>
        _validator.Problems(new DecidePartnerRequestCommand(Guid.NewGuid(), Input<Guid>.Invalid("12"), false)).ShouldBe([
            ("uuid_parsing", "path.request_id", "Input should be a valid UUID, invalid length: expected length 32 for simple format, found 2"),
        ]);
}

public class RemovePartnerCommandValidatorTests
{
    private readonly RemovePartnerCommandValidator _validator = new();

    [Fact]
    public void Validate_AcceptsAUuid() => _validator.Problems(new RemovePartnerCommand(Guid.NewGuid(), Guid.NewGuid())).ShouldBeEmpty();

    [Fact]
    public void Validate_RefusesAMalformedPartnerId() =>
        _validator.Problems(new RemovePartnerCommand(Guid.NewGuid(), Input<Guid>.Invalid("zz")))
            .Select(p => (p.Type, p.Loc)).ShouldBe([("uuid_parsing", "path.partner_user_id")]);
}
