namespace FreshServe.Common;

/// <summary>Bad input from the user: reported as one line, exit code 2, never a stack trace.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>A failure at run time that has a one-line explanation for the user (exit code 1).</summary>
public sealed class FreshServeException(string message) : Exception(message);
