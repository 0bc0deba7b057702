using System.Diagnostics;
using FluentValidation;
using MediatR;
using Microsoft.Extensions.Logging;

namespace Speaking.Application.Common;

/// <summary>The one place that turns bad input into a validation failure (422 on REST).</summary>
public sealed class ValidationBehaviour<TRequest, TResponse>(IEnumerable<IValidator<TRequest>> validators)
    : IPipelineBehavior<TRequest, TResponse>
{
    private readonly IValidator<TRequest>[] _validators = validators.ToArray();

    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (_validators.Length == 0) return await next();

        var context = new ValidationContext<TRequest>(request);
        var problems = new List<ValidationProblem>();
        foreach (var validator in _validators)
        {
            var result = await validator.ValidateAsync(context, cancellationToken);
            problems.AddRange(result.Errors.Select(f => new ValidationProblem(
                f.ErrorCode,
                f.PropertyName.Split('.').Select(part => (object)part).ToArray(),
                f.ErrorMessage,
                f.AttemptedValue,
                f.CustomState as IReadOnlyDictionary<string, object?>)));
        }

        if (problems.Count > 0) throw new RequestValidationException(problems);
        return await next();
    }
}

/// <summary>Logs which use case ran and how long it took. Never the request itself: it may hold passwords, SDP or chat text.</summary>
public sealed class LoggingBehaviour<TRequest, TResponse>(ILogger<LoggingBehaviour<TRequest, TResponse>> logger)
    : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (!logger.IsEnabled(LogLevel.Debug)) return await next();
        var started = Stopwatch.GetTimestamp();
        var response = await next();
        logger.LogDebug("{UseCase} handled in {ElapsedMs:0.0} ms", typeof(TRequest).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return response;
    }
}
