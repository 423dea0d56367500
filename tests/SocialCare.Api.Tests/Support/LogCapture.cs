using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SocialCare.Api.Tests.Support;

/// <summary>Keeps what a hub logs at <see cref="LogLevel.Error"/> or above, for tests that assert the hub failed
/// nowhere.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _errors = new();

    public IReadOnlyCollection<string> Errors => _errors;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _errors);

    /// <summary>Forgets what was logged so far (a dependency not yet ready while the hub started, say).</summary>
    public void Clear() => _errors.Clear();

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<string> errors) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(
            LogLevel logLevel,
            EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter
        )
        {
            if (IsEnabled(logLevel))
            {
                errors.Enqueue($"{category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
