using System.Buffers;
using Speaking.Application.Users;

namespace Speaking.Api.Http;

/// <summary>
/// A 200 whose JSON body is already written (<see cref="OnlinePage.Json"/>): the same status, content type and bytes
/// as <c>Results.Ok(value)</c> would send, without serializing again.
/// </summary>
public sealed class WrittenJson(IReadOnlyList<ReadOnlyMemory<byte>> body) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        foreach (var piece in body) response.BodyWriter.Write(piece.Span);
        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }

    /// <summary>The written body when there is one, else the usual serialized answer.</summary>
    public static IResult Ok(IReadOnlyList<UserView> users) => users is OnlinePage page ? new WrittenJson(page.Json) : Results.Ok(users);
}
