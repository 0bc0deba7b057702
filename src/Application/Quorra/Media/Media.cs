using System.Text.Json.Serialization;
using FluentValidation;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Quorra.Common;
using Speaking.Domain.Common;
using Speaking.Domain.Quorra;

namespace Speaking.Application.Quorra.Media;

/// <summary>An uploaded file's facts; its bytes are served at <see cref="MediaView.Url"/>.</summary>
public sealed record MediaFileInfo(string Name, [property: JsonPropertyName("contentType")] string ContentType, long Size);

/// <summary>A media entry. <see cref="File"/> is null for entries that only point at a URL.</summary>
public sealed record MediaView(Guid Id, Guid User, string? Title, string Type, string Url, double? Duration, IReadOnlyList<string> Tags,
    MediaFileInfo? File, [property: JsonPropertyName("createdAt")] DateTime CreatedAt)
{
    /// <summary>Where an uploaded file is streamed back (relative to the host).</summary>
    public static string FileUrl(Guid id) => $"/quorra/media/{id}/file";
}

public sealed record MediaSaved(string Message, MediaView Media);

/// <summary>A file sent with multipart/form-data, as the client declared it.</summary>
public sealed record MediaUpload(string FileName, string? ContentType, long Length, Func<Stream> OpenRead);

/// <summary>An open stored file; disposing it releases the database connection it streams from.</summary>
public sealed class MediaFileContent(string contentType, long length, string fileName, Stream content, IAsyncDisposable owner) : IAsyncDisposable
{
    public string ContentType { get; } = contentType;
    public long Length { get; } = length;
    public string FileName { get; } = fileName;
    public Stream Content { get; } = content;

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        await owner.DisposeAsync();
    }
}

public interface IMediaRepository
{
    /// <summary>Stores the entry, and the file's bytes (in their own table) when there is one, in one transaction.</summary>
    Task AddAsync(MediaView media, Stream? file, CancellationToken ct);

    /// <summary>The user's media, newest first.</summary>
    Task<IReadOnlyList<MediaView>> ListAsync(Guid userId, CancellationToken ct);

    /// <summary>The stored file of the user's own media entry, or null (someone else's, no file, no such entry).</summary>
    Task<MediaFileContent?> OpenFileAsync(Guid userId, Guid mediaId, CancellationToken ct);
}

/// <summary>
/// The original's JSON form ({title, type, url, duration, tags}: <c>type</c> and <c>url</c> required), or a file
/// upload: then <c>type</c> may be left out (it follows the file's content type) and <c>url</c> must not be sent.
/// </summary>
public sealed record SaveMediaCommand(Guid UserId, Input<string> Title, Input<string> Type, Input<string> Url, Input<double> Duration,
    Input<IReadOnlyList<string>> Tags, MediaUpload? File) : IRequest<Result<MediaSaved>>
{
    public const double MaxDurationSeconds = 1_000_000_000;
}

public sealed class SaveMediaCommandValidator : AbstractValidator<SaveMediaCommand>
{
    public SaveMediaCommandValidator()
    {
        RuleFor(x => x.Title).Text("title", TextLimits.Short, required: false);
        RuleFor(x => x.Type).OneOf("type", Vocabulary.MediaTypes, required: false).When(x => x.File is not null);
        RuleFor(x => x.Type).OneOf("type", Vocabulary.MediaTypes).When(x => x.File is null);
        RuleFor(x => x.Url).Text("url", TextLimits.Url).When(x => x.File is null);
        RuleFor(x => x.Url).Custom((url, context) =>
        {
            if (url.State != InputState.Missing && url.State != InputState.Null)
                context.Fail("url", "extra_forbidden", "url cannot be sent with a file: the file gets its own", null);
        }).When(x => x.File is not null);
        RuleFor(x => x.Duration).Number("duration", 0, SaveMediaCommand.MaxDurationSeconds);
        RuleFor(x => x.Tags).Tags("tags", TextLimits.MaxTags, TextLimits.TagMax);
        RuleFor(x => x.File).Custom((file, context) =>
        {
            if (file is not null && file.FileName.Length > TextLimits.Short)
                context.Fail("file", "string_too_long", $"the file name must be at most {TextLimits.Short} characters", null);
        });
    }
}

public sealed class SaveMediaCommandHandler(IMediaRepository media, IClock clock) : IRequestHandler<SaveMediaCommand, Result<MediaSaved>>
{
    public async Task<Result<MediaSaved>> Handle(SaveMediaCommand request, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var title = request.Title.ValueOr(null!);
        var duration = request.Duration.IsPresent ? request.Duration.Value : (double?)null;
        var tags = request.Tags.ValueOr([]);

        if (request.File is not { } file)
        {
            var entry = new MediaView(id, request.UserId, title, request.Type.Value!, request.Url.Value!, duration, tags, null, clock.UtcNow);
            await media.AddAsync(entry, null, cancellationToken);
            return new MediaSaved("Media saved", entry);
        }

        if (MediaRules.KindOf(file.ContentType) is not { } kind) return QuorraErrors.NotAudioOrVideo;
        if (file.Length > MediaRules.MaxFileBytes) return QuorraErrors.FileTooLarge;
        if (file.Length == 0) return new Error(ErrorKind.BadRequest, "The file is empty");
        if (request.Type.IsPresent && request.Type.Value != kind)
            return new Error(ErrorKind.BadRequest, $"type is {request.Type.Value} but the file is {file.ContentType}");

        var info = new MediaFileInfo(file.FileName, file.ContentType!.Trim(), file.Length);
        var stored = new MediaView(id, request.UserId, title, kind, MediaView.FileUrl(id), duration, tags, info, clock.UtcNow);
        await using (var content = file.OpenRead())
            await media.AddAsync(stored, content, cancellationToken);
        return new MediaSaved("Media saved", stored);
    }
}

public sealed record ListMediaQuery(Guid UserId) : IRequest<IReadOnlyList<MediaView>>;

public sealed class ListMediaQueryHandler(IMediaRepository media) : IRequestHandler<ListMediaQuery, IReadOnlyList<MediaView>>
{
    public Task<IReadOnlyList<MediaView>> Handle(ListMediaQuery request, CancellationToken cancellationToken) =>
        media.ListAsync(request.UserId, cancellationToken);
}

/// <summary>The caller's own uploaded file; any other id (someone else's, malformed, URL-only) is "not found".</summary>
public sealed record OpenMediaFileQuery(Guid UserId, string MediaId) : IRequest<Result<MediaFileContent>>;

public sealed class OpenMediaFileQueryHandler(IMediaRepository media) : IRequestHandler<OpenMediaFileQuery, Result<MediaFileContent>>
{
    public async Task<Result<MediaFileContent>> Handle(OpenMediaFileQuery request, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request.MediaId, out var id)) return QuorraErrors.MediaNotFound;
        var file = await media.OpenFileAsync(request.UserId, id, cancellationToken);
        return file is null ? QuorraErrors.MediaNotFound : file;
    }
}
