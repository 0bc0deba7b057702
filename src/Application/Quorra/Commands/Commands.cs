using System.Text.Json.Serialization;
using FluentValidation;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Quorra.Common;
using Speaking.Domain.Quorra;

namespace Speaking.Application.Quorra.Commands;

/// <summary>One archived assistant command: what the user said or showed, and what Quorra answered.</summary>
public sealed record CommandView(Guid Id, Guid User, [property: JsonPropertyName("inputType")] string InputType, string Content,
    string? Response, string? Mood, [property: JsonPropertyName("createdAt")] DateTime CreatedAt);

public interface ICommandRepository
{
    Task AddAsync(CommandView command, CancellationToken ct);

    Task<IReadOnlyList<CommandView>> RecentAsync(Guid userId, int limit, CancellationToken ct);
}

public sealed record SaveAssistantCommand(Guid UserId, Input<string> InputType, Input<string> Content, Input<string> Response,
    Input<string> Mood) : IRequest<CommandView>;

public sealed class SaveAssistantCommandValidator : AbstractValidator<SaveAssistantCommand>
{
    public SaveAssistantCommandValidator()
    {
        RuleFor(x => x.InputType).OneOf("inputType", Vocabulary.CommandInputTypes);
        RuleFor(x => x.Content).Text("content", TextLimits.Long);
        RuleFor(x => x.Response).Text("response", TextLimits.Long, required: false);
        RuleFor(x => x.Mood).Text("mood", TextLimits.Short, required: false);
    }
}

public sealed class SaveAssistantCommandHandler(ICommandRepository commands, IClock clock) : IRequestHandler<SaveAssistantCommand, CommandView>
{
    public async Task<CommandView> Handle(SaveAssistantCommand request, CancellationToken cancellationToken)
    {
        var command = new CommandView(Guid.NewGuid(), request.UserId, request.InputType.Value!, request.Content.Value!,
            request.Response.ValueOr(null!), request.Mood.ValueOr(null!), clock.UtcNow);
        await commands.AddAsync(command, cancellationToken);
        return command;
    }
}

public sealed record GetRecentCommandsQuery(Guid UserId) : IRequest<IReadOnlyList<CommandView>>
{
    public const int Limit = 25;
}

public sealed class GetRecentCommandsQueryHandler(ICommandRepository commands) : IRequestHandler<GetRecentCommandsQuery, IReadOnlyList<CommandView>>
{
    public Task<IReadOnlyList<CommandView>> Handle(GetRecentCommandsQuery request, CancellationToken cancellationToken) =>
        commands.RecentAsync(request.UserId, GetRecentCommandsQuery.Limit, cancellationToken);
}
