# Prints the programs a shell script (or a Makefile's recipes, with -v makefile=1) runs: one line
# "<line>\t<word>" per command word, the first word of each simple command. Quotes (across lines),
# comments, here-documents, $(...), arrays, case patterns, [[ ]] / (( )) and assignments are understood
# well enough for this repository's scripts; words holding $ or a quote (variables) and relative paths
# are left out, as are shell builtins and the script's own functions (the caller filters those).
# Used by scripts/check_dependencies.

function emit(word) {
  if (word ~ /^\//) { print word_line "\t" word; return }          # absolute path
  if (word !~ /^[A-Za-z_][A-Za-z0-9_.+-]*$/) return                 # variable, relative path, pattern
  print word_line "\t" word
}

# Called at the end of each word; decides whether it is in command position.
function word_done(   w) {
  w = cur
  cur = ""
  if (w == "") return
  if (skip_until != "") {
    if (w == skip_until) {
      skip_until = ""
      if (w == "in" && in_case) { case_pattern = 1; at_command = 0 } else at_command = 1
    }
    return
  }
  if (case_pattern) { if (w == "esac") { case_pattern = 0; in_case = 0; at_command = 0 }; return }
  if (!at_command) return
  if (w ~ /^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=/) return          # assignment: a command may follow
  if (w ~ /^[0-9]*[<>]+&?$/) { pending_redirect = 1; return }        # redirection before the command
  if (w ~ /^[0-9]*[<>]/) return
  if (pending_redirect) { pending_redirect = 0; return }              # its target
  if (w in keywords) {
    if (w == "for" || w == "select") skip_until = "do"
    else if (w == "case") { in_case = 1; skip_until = "in" }
    else if (w == "[[") skip_until = "]]"
    else if (w == "esac") { in_case = 0; case_pattern = 0 }
    return
  }
  at_command = 0
  emit(w)
}

function boundary() {
  word_done()
  pending_redirect = 0
  if (skip_until == "" && !case_pattern) at_command = 1
}

BEGIN {
  split("if then else elif fi do done while until for select in case esac function time ! { } [[ ]] " \
        "exec command builtin nohup", list, " ")
  for (k in list) keywords[list[k]] = 1
  heredoc = ""; state = "n"; depth = 0; at_command = 1; array_depth = 0
}

{
  text = $0
  if (heredoc != "") {
    probe = text
    if (heredoc_strip) sub(/^\t+/, "", probe)
    if (probe == heredoc) heredoc = ""
    next
  }
  if (makefile) {
    if (text ~ /^\t/) {
      sub(/^\t[@+-]*/, "", text)
    } else if (match(text, /\$\(shell [^)]*\)/)) {
      text = substr(text, RSTART + 8, RLENGTH - 9)
    } else {
      state = "n"; depth = 0; at_command = 1
      next
    }
    gsub(/\$\([A-Za-z_]+\)/, "$MAKEVAR", text)
    gsub(/\$\$/, "$", text)
  }
  if (state == "n" && match(text, /<<-?[ \t]*['"]?[A-Za-z_][A-Za-z0-9_]*['"]?/)) {
    tag = substr(text, RSTART, RLENGTH)
    heredoc_strip = (tag ~ /^<<-/)
    gsub(/^<<-?[ \t]*['"]?|['"]?$/, "", tag)
    heredoc = tag
  }

  n = length(text)
  continued = 0
  for (i = 1; i <= n; i++) {
    c = substr(text, i, 1)
    if (cur == "") word_line = FNR
    if (state == "s") { cur = cur c; if (c == "'") state = "n"; continue }
    if (state == "d") {
      if (c == "\\") { cur = cur substr(text, i, 2); i++; continue }
      if (c == "\"") { cur = cur c; state = "n"; continue }
      if (c == "$" && substr(text, i + 1, 1) == "(" && substr(text, i + 2, 1) != "(") {
        saved[++depth] = cur "$"; cur = ""; stack[depth] = "d"; i++; state = "n"; at_command = 1; continue
      }
      cur = cur c; continue
    }
    # Normal state.
    if (c == "\\") {
      if (i == n) { continued = 1; break }
      cur = cur substr(text, i, 2); i++; continue
    }
    if (c == "'") { cur = cur c; state = "s"; continue }
    if (c == "\"") { cur = cur c; state = "d"; continue }
    if (c == "#" && cur == "") break
    if (c == "$" && substr(text, i + 1, 2) == "((") {                  # $(( arithmetic ))
      j = index(substr(text, i), "))"); if (j == 0) break; cur = cur "$"; i += j; continue
    }
    if (c == "$" && substr(text, i + 1, 1) == "(") {
      saved[++depth] = cur "$"; cur = ""; stack[depth] = "n"; i++; at_command = 1; continue
    }
    if (c == "$" && substr(text, i + 1, 1) == "{") {                   # ${...}
      j = index(substr(text, i), "}"); if (j == 0) j = n - i + 1; cur = cur substr(text, i, j); i += j - 1; continue
    }
    if (c == ")" && depth > 0) {
      word_done(); cur = saved[depth]; state = stack[depth]; depth--; at_command = 0; continue
    }
    if (array_depth > 0) {                                              # words of an array literal
      if (c == "(") array_depth++
      if (c == ")") { array_depth--; if (array_depth == 0) { cur = ""; at_command = 0 } }
      continue
    }
    if (c == "(" && cur ~ /=$/) { array_depth = 1; continue }          # name=( ... )
    if (c == "(" && substr(text, i + 1, 1) == "(" && cur == "") {      # (( arithmetic ))
      j = index(substr(text, i), "))"); if (j == 0) break; i += j; continue
    }
    if (c == " " || c == "\t") { word_done(); continue }
    if (c == ";" && substr(text, i + 1, 1) == ";") {                   # ;; ends a case branch
      word_done(); i++; if (in_case) case_pattern = 1; at_command = 0; continue
    }
    if (c == "&" && (substr(text, i - 1, 1) ~ /[<>]/ || substr(text, i + 1, 1) == ">")) { cur = cur c; continue }
    if (c == ";" || c == "|" || c == "&" || c == "(" || c == "`") { boundary(); continue }
    if (c == ")") {
      if (case_pattern) { word_done(); cur = ""; case_pattern = 0; at_command = 1; continue }
      boundary(); continue
    }
    if ((c == "<" || c == ">") && cur !~ /^[0-9]*[<>]*$/) { word_done() }
    cur = cur c
  }
  if (state == "n" && array_depth == 0 && !continued) {
    word_done()
    if (!case_pattern) boundary()
  }
}
