#ifndef CNCURSESW_SHIM_H
#define CNCURSESW_SHIM_H

/* Wide-character ncurses: the X/Open extended API, with the UTF-8 locale set by the caller. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1

#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/* Macros and globals that Swift cannot import directly. */
static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline int cn_rows(void) { int y, x; getmaxyx(stdscr, y, x); (void)x; return y; }
static inline int cn_cols(void) { int y, x; getmaxyx(stdscr, y, x); (void)y; return x; }
static inline attr_t cn_a_normal(void) { return A_NORMAL; }
static inline attr_t cn_a_bold(void) { return A_BOLD; }
static inline attr_t cn_a_dim(void) { return A_DIM; }
static inline attr_t cn_a_reverse(void) { return A_REVERSE; }
static inline attr_t cn_a_underline(void) { return A_UNDERLINE; }
static inline attr_t cn_color_pair(int pair) { return COLOR_PAIR(pair); }
static inline int cn_colors(void) { return COLORS; }
static inline int cn_key_resize(void) { return KEY_RESIZE; }

#endif
