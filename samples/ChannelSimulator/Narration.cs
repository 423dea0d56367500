namespace ChannelSimulator;

/// <summary>Passes the department samples' own narration (their "[crm] …" lines) and their warnings to the demo's
/// output, and nothing else.</summary>
public sealed class Narration(Action<string> say) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, say);

    public void Dispose() { }

    private sealed class Logger(string category, Action<string> say) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(
            LogLevel logLevel,
            EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter
        )
        {
            var message = formatter(state, exception);
            if (message.StartsWith('['))
            {
                say("    " + message);
            }
            else if (logLevel >= LogLevel.Warning)
            {
                say($"    ! {category}: {message} {exception?.Message}");
            }
        }
    }
}
