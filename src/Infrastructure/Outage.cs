using System.Net.Sockets;
using Npgsql;

namespace Speaking.Infrastructure;

/// <summary>What an unreachable dependency looks like: the request was fine, the database (or Redis) did not answer.</summary>
public static class Outage
{
    public static bool IsOutage(Exception exception) => exception switch
    {
        NpgsqlException npgsql => npgsql.IsTransient || npgsql is not PostgresException,
        TimeoutException or SocketException => true,
        StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsOutage),
        _ => exception.InnerException is { } inner && IsOutage(inner),
    };
}
