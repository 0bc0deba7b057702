using System.Globalization;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;
using Speaking.Api.Endpoints;
using Speaking.Api.Http;
using Speaking.Application.Common;
using Speaking.Application.Quorra.Auth;
using Speaking.Application.Quorra.Commands;
using Speaking.Application.Quorra.Media;
using Speaking.Application.Quorra.Memory;
using Speaking.Application.Quorra.Notifications;
using Speaking.Application.Quorra.Offline;
using Speaking.Application.Quorra.Settings;
using Speaking.Application.Quorra.SystemControl;
using Speaking.Domain.Common;
using Speaking.Domain.Quorra;
using Speaking.Infrastructure.Quorra;

namespace Speaking.Api.Quorra;

/// <summary>
/// The Quorra module's routes, all under <c>/quorra</c> and tagged "Quorra": thin endpoints that read the body,
/// send a MediatR request and map the result with Quorra's JSON and error shape.
/// </summary>
public static class QuorraEndpoints
{
    private const string Json = "application/json";

    public static void MapQuorra(this IEndpointRouteBuilder app)
    {
        var quorra = app.MapGroup(ErrorResponses.QuorraPrefix).WithTags("Quorra");
        MapAuth(quorra.MapGroup("/auth"));
        MapMemory(Secured(quorra, "/memory"));
        MapMedia(Secured(quorra, "/media"));
        MapCommands(Secured(quorra, "/command"));
        MapNotifications(Secured(quorra, "/notifications"));
        MapSettings(Secured(quorra, "/settings"));
        MapSystem(Secured(quorra, "/system"));
        MapOffline(Secured(quorra, "/offline"));
        MapSocket(quorra);
    }

    private static RouteGroupBuilder Secured(RouteGroupBuilder quorra, string prefix) =>
        quorra.MapGroup(prefix).AddEndpointFilter<QuorraAuthFilter>()
            .ProducesError(StatusCodes.Status401Unauthorized).ProducesError(StatusCodes.Status403Forbidden);

    private static void MapAuth(RouteGroupBuilder auth)
    {
        auth.MapPost("/register", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = await QuorraBody.ReadAsync(http);
            var result = await mediator.Send(new RegisterQuorraUserCommand(body.String("username"), body.String("password"), http.ClientAddress()), ct);
            return result.ToQuorra(registered => QuorraResults.Json(registered, StatusCodes.Status201Created));
        }).WithSummary("Create a Quorra account")
            .Body<QuorraCredentials>().Produces<QuorraRegistered>(StatusCodes.Status201Created)
            .ProducesError(StatusCodes.Status400BadRequest).ProducesError(StatusCodes.Status409Conflict).ProducesError(StatusCodes.Status429TooManyRequests);

        auth.MapPost("/login", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = await QuorraBody.ReadAsync(http);
            var result = await mediator.Send(new QuorraLoginCommand(body.String("username"), body.String("password"), http.ClientAddress()), ct);
            return result.ToQuorra(token => QuorraResults.Json(token));
        }).WithSummary("Log in to Quorra (a 7-day token)").Body<QuorraCredentials>().Produces<QuorraToken>()
            .ProducesError(StatusCodes.Status400BadRequest).ProducesError(StatusCodes.Status401Unauthorized).ProducesError(StatusCodes.Status429TooManyRequests);
    }

    private static void MapMemory(RouteGroupBuilder memory)
    {
        memory.MapPost("/save", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = await QuorraBody.ReadAsync(http);
            var saved = await mediator.Send(new SaveMemoryCommand(http.QuorraUserId(), body.String("context"), body.String("mood"), body.Strings("tags")), ct);
            return QuorraResults.Json(saved, StatusCodes.Status201Created);
        }).WithSummary("Save a memory snapshot").Body<QuorraMemoryRequest>().Produces<MemorySnapshotView>(StatusCodes.Status201Created).ProducesError(StatusCodes.Status400BadRequest);

        memory.MapGet("/list", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            QuorraResults.Json(await mediator.Send(new ListMemoriesQuery(http.QuorraUserId()), ct)))
            .WithSummary("Your memory snapshots, newest first").Produces<IReadOnlyList<MemorySnapshotView>>();
    }

    private static void MapMedia(RouteGroupBuilder media)
    {
        media.MapPost("/upload", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            SaveMediaCommand command;
            if (http.Request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true)
            {
                var (upload, error) = await MediaForm.ReadAsync(http, ct);
                if (error is not null) return error;
                command = upload!;
            }
            else
            {
                var body = await QuorraBody.ReadAsync(http);
                command = new SaveMediaCommand(http.QuorraUserId(), body.String("title"), body.String("type"), body.String("url"), body.Number("duration"),
                    body.Strings("tags"), File: null);
            }

            var result = await mediator.Send(command, ct);
            return result.ToQuorra(saved => QuorraResults.Json(saved, StatusCodes.Status201Created));
        }).WithMetadata(new RequestSizeLimitAttribute(MediaForm.MaxRequestBytes)).DisableAntiforgery().WithSummary("Save media (metadata or an audio/video file)")
            .Body<QuorraMediaRequest>().Body<QuorraMediaForm>("multipart/form-data").Produces<MediaSaved>(StatusCodes.Status201Created)
            .ProducesError(StatusCodes.Status400BadRequest).ProducesError(StatusCodes.Status413PayloadTooLarge)
            .ProducesError(StatusCodes.Status415UnsupportedMediaType);

        media.MapGet("/my", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            QuorraResults.Json(await mediator.Send(new ListMediaQuery(http.QuorraUserId()), ct)))
            .WithSummary("Your media").Produces<IReadOnlyList<MediaView>>();

        media.MapGet("/{id}/file", async (string id, HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var file = await mediator.Send(new OpenMediaFileQuery(http.QuorraUserId(), id), ct);
            return file.IsSuccess ? new StoredFileResult(file.Value) : QuorraResults.Error(file.Error!);
        }).WithSummary("Download your media file").Produces(StatusCodes.Status200OK, contentType: "application/octet-stream").ProducesError(StatusCodes.Status404NotFound);
    }

    private static void MapCommands(RouteGroupBuilder command)
    {
        command.MapPost("/save", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = await QuorraBody.ReadAsync(http);
            var saved = await mediator.Send(new SaveAssistantCommand(http.QuorraUserId(), body.String("inputType"), body.String("content"),
                body.String("response"), body.String("mood")), ct);
            return QuorraResults.Json(saved, StatusCodes.Status201Created);
        }).WithSummary("Archive a command and its response").Body<QuorraCommandRequest>().Produces<CommandView>(StatusCodes.Status201Created).ProducesError(StatusCodes.Status400BadRequest);

        command.MapGet("/recent", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            QuorraResults.Json(await mediator.Send(new GetRecentCommandsQuery(http.QuorraUserId()), ct)))
            .WithSummary("Your 25 newest commands").Produces<IReadOnlyList<CommandView>>();
    }

    private static void MapNotifications(RouteGroupBuilder notifications)
    {
        notifications.MapPost("/create", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = await QuorraBody.ReadAsync(http);
            var created = await mediator.Send(new CreateNotificationCommand(http.QuorraUserId(), body.String("title"), body.String("body"),
                body.String("type"), body.Time("scheduledAt")), ct);
            return QuorraResults.Json(created, StatusCodes.Status201Created);
        }).WithSummary("Create a notification").Body<QuorraNotificationRequest>().Produces<NotificationView>(StatusCodes.Status201Created).ProducesError(StatusCodes.Status400BadRequest);

        notifications.MapGet("/list", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            QuorraResults.Json(await mediator.Send(new ListNotificationsQuery(http.QuorraUserId()), ct)))
            .WithSummary("Your notifications, newest scheduledAt first").Produces<IReadOnlyList<NotificationView>>();

        notifications.MapPost("/{id}/read", async (string id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new MarkNotificationReadCommand(http.QuorraUserId(), id), ct)).ToQuorra(n => QuorraResults.Json(n)))
            .WithSummary("Mark a notification read").Produces<NotificationView>().ProducesError(StatusCodes.Status404NotFound);
    }

    private static void MapSettings(RouteGroupBuilder settings)
    {
        settings.MapGet("", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            QuorraResults.Json(await mediator.Send(new GetSettingsQuery(http.QuorraUserId()), ct)))
            .WithSummary("Your settings (null when none)").Produces<Dictionary<string, object?>>();

        settings.MapPost("/update", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = await QuorraBody.ReadAsync(http);
            var result = await mediator.Send(new UpdateSettingsCommand(http.QuorraUserId(), body.Properties), ct);
            return result.ToQuorra(merged => QuorraResults.Json(merged));
        }).WithSummary("Update your settings (a flat object, at most 64 keys)").Body<Dictionary<string, object?>>().Produces<Dictionary<string, object?>>().ProducesError(StatusCodes.Status400BadRequest);
    }

    private static void MapSystem(RouteGroupBuilder system)
    {
        system.MapPost("/volume", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = await QuorraBody.ReadAsync(http);
            return QuorraResults.Json(await mediator.Send(new SetVolumeCommand(http.QuorraUserId(), http.ClientAddress(), body.Number("level")), ct));
        }).WithSummary("Set the volume (root PIN)").RootGuarded(SystemActions.Volume).Body<QuorraVolumeRequest>();

        system.MapPost("/alarm", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = await QuorraBody.ReadAsync(http);
            return QuorraResults.Json(await mediator.Send(new SetAlarmCommand(http.QuorraUserId(), http.ClientAddress(), body.String("at")), ct));
        }).WithSummary("Set an alarm (root PIN)").RootGuarded(SystemActions.Alarm).Body<QuorraAlarmRequest>();

        system.MapPost("/wifi", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = await QuorraBody.ReadAsync(http);
            return QuorraResults.Json(await mediator.Send(new SetWifiCommand(http.QuorraUserId(), http.ClientAddress(), body.Boolean("enabled")), ct));
        }).WithSummary("Switch Wi-Fi (root PIN)").RootGuarded(SystemActions.Wifi).Body<QuorraWifiRequest>();
    }

    private static RouteHandlerBuilder RootGuarded(this RouteHandlerBuilder endpoint, string action) =>
        endpoint.AddEndpointFilter(new RootGuardFilter(action))
            .Produces<SystemActionResult>().ProducesError(StatusCodes.Status400BadRequest).ProducesError(StatusCodes.Status429TooManyRequests)
            .ProducesError(StatusCodes.Status503ServiceUnavailable);

    private static void MapOffline(RouteGroupBuilder offline)
    {
        offline.MapPost("/queue", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
        {
            var body = await QuorraBody.ReadAsync(http);
            var message = await mediator.Send(new QueueOfflineCommand(http.QuorraUserId(), body.String("clientId"), body.String("inputType"),
                body.String("content"), body.String("response"), body.String("mood")), ct);
            return QuorraResults.Json(new QuorraMessage(message));
        }).WithSummary("Queue a command made offline (idempotent by clientId)").Body<QuorraOfflineRequest>().Produces<QuorraMessage>().ProducesError(StatusCodes.Status400BadRequest);

        offline.MapGet("/queue", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            QuorraResults.Json(await mediator.Send(new ListPendingCommandsQuery(http.QuorraUserId()), ct)))
            .WithSummary("Your pending offline commands").Produces<IReadOnlyList<PendingCommandView>>();
    }

    /// <summary><c>/quorra/ws?token=</c>: the token is checked like a bearer header before the upgrade is accepted.</summary>
    private static void MapSocket(RouteGroupBuilder quorra) =>
        quorra.Map("/ws", async (HttpContext http, IMediator mediator, QuorraSocketEndpoint socket) =>
        {
            if (!http.WebSockets.IsWebSocketRequest)
                return QuorraResults.Error(new Error(ErrorKind.BadRequest, "This is a WebSocket: connect with ?token=<JWT>"));
            var token = http.Request.Query["token"].ToString();
            var caller = await mediator.Send(new AuthenticateQuorraRequestQuery(token.Length == 0 ? null : "Bearer " + token), http.RequestAborted);
            if (!caller.IsSuccess) return QuorraResults.Error(caller.Error!);
            await socket.RunAsync(http, caller.Value);
            return Results.Empty;
        }).ExcludeFromDescription();

    /// <summary>
    /// Documents the request body in the OpenAPI operation without <c>Accepts</c> metadata, which routing would
    /// enforce (a body of another content type would be refused with 415 before authentication).
    /// </summary>
    private static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder endpoint, string contentType = Json) =>
        endpoint.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct);
            var body = operation.RequestBody as OpenApiRequestBody ?? new OpenApiRequestBody();
            body.Content ??= new Dictionary<string, OpenApiMediaType>();
            body.Content[contentType] = new OpenApiMediaType { Schema = schema };
            operation.RequestBody = body;
        });

    private static TBuilder ProducesError<TBuilder>(this TBuilder builder, int status) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(QuorraError), [Json]));

    /// <summary>A stored file streamed to the response from the database, never buffered whole.</summary>
    private sealed class StoredFileResult(MediaFileContent file) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            await using (file)
            {
                var response = httpContext.Response;
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = file.ContentType;
                response.ContentLength = file.Length;
                response.Headers.XContentTypeOptions = "nosniff";
                response.Headers.ContentDisposition = new ContentDispositionHeaderValue("inline") { FileNameStar = file.FileName }.ToString();
                await file.Content.CopyToAsync(response.Body, httpContext.RequestAborted);
            }
        }
    }
}

/// <summary>A media upload as multipart/form-data: the file in the field <c>file</c>, the other fields as text.</summary>
internal static class MediaForm
{
    /// <summary>The file's 25 MiB plus room for the form's other fields and boundaries.</summary>
    public const long MaxRequestBytes = MediaRules.MaxFileBytes + 1024 * 1024;

    public static async Task<(SaveMediaCommand? Command, IResult? Error)> ReadAsync(HttpContext http, CancellationToken ct)
    {
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, QuorraResults.Error(QuorraErrors.FileTooLarge));
        }
        catch (Exception e) when (e is InvalidDataException or IOException && !ct.IsCancellationRequested)
        {
            // A body that ends early or breaks the multipart format (the reader's IOException says "unexpected end").
            return (null, Bad("The multipart body is malformed"));
        }

        var file = form.Files.GetFile("file");
        if (file is null) return (null, Bad("file is required: send the audio or video in the form field \"file\""));
        var texts = form.SelectMany(f => f.Value.Select(v => v ?? "")).Append(file.FileName);
        if (!texts.All(QuorraBody.IsStorableText)) return (null, Bad("Text in the request must be valid Unicode without NUL characters"));

        var duration = Text(form, "duration") switch
        {
            { IsPresent: true } d when double.TryParse(d.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) => Input<double>.Of(v),
            { IsPresent: true } d => Input<double>.Invalid(d.Value),
            _ => Input<double>.Missing,
        };
        var tags = form.TryGetValue("tags", out var tagValues)
            ? Input<IReadOnlyList<string>>.Of(tagValues.Select(t => t ?? "").ToArray())
            : Input<IReadOnlyList<string>>.Missing;
        var upload = new MediaUpload(Path.GetFileName(file.FileName), file.ContentType, file.Length, file.OpenReadStream);
        return (new SaveMediaCommand(http.QuorraUserId(), Text(form, "title"), Text(form, "type"), Text(form, "url"), duration, tags, upload), null);
    }

    private static Input<string> Text(IFormCollection form, string name) =>
        form.TryGetValue(name, out var value) ? Input<string>.Of(value.ToString()) : Input<string>.Missing;

    private static IResult Bad(string message) =>
        QuorraResults.Error(new Error(ErrorKind.BadRequest, message));
}
