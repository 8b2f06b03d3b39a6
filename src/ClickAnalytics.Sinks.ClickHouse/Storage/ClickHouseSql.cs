using System;
using System.Globalization;
using System.Text;

namespace ClickAnalytics.Sinks.ClickHouse.Storage;

/// <summary>
/// Literals and identifiers for SQL text. Servers before 19.11 have no query parameters, so values
/// are written as escaped literals everywhere: one code path, safe on every version.
/// </summary>
internal static class ClickHouseSql
{
    /// <summary>A single-quoted string literal; quotes, backslashes and control characters are escaped, so no value can end the literal.</summary>
    public static string String(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sql = new StringBuilder(value.Length + 2);
        sql.Append('\'');
        foreach (char ch in value)
        {
            switch (ch)
            {
                case '\'':
                    sql.Append("\\'");
                    break;
                case '\\':
                    sql.Append("\\\\");
                    break;
                case < ' ':
                case '\u007f':
                    sql.Append("\\x").Append(((int)ch).ToString("X2", CultureInfo.InvariantCulture));
                    break;
                default:
                    sql.Append(ch);
                    break;
            }
        }

        return sql.Append('\'').ToString();
    }

    /// <summary>A date literal.</summary>
    public static string Date(DateOnly date) => "'" + date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "'";

    /// <summary>A back-quoted identifier (cluster names come from configuration, so they are quoted, not trusted).</summary>
    public static string Identifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "`" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "`";
    }
}
