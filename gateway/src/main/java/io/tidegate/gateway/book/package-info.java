/** Order books per (venue, symbol) kept from {@code data.books.*}, their tops fed to listeners and served by {@code BooksService}. */
package io.tidegate.gateway.book;
