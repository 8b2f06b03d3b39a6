using System;
using System.Globalization;
using System.Text;

namespace ClickAnalytics.Sinks.ClickHouse.Storage;

/// <summary>
/// The one place a value becomes SQL text: literals and identifiers. Servers before 19.11 have no
/// query parameters, so values are written as escaped literals everywhere: one code path, safe on
/// every version. Nothing else in the package puts a value into a statement.
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

    /// <summary>A UUID literal (its canonical text; a UUID column compares with it).</summary>
    public static string Uuid(Guid id) => "'" + id.ToString("D") + "'";

    /// <summary>A non-negative integer literal.</summary>
    public static string UInt(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A back-quoted identifier (cluster names come from configuration, so they are quoted, not trusted).</summary>
    public static string Identifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "`" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "`";
    }
}
